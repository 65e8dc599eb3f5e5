namespace Federated.Coordinator.Rounds;

/// <summary>Phases of one round attempt, in order; <see cref="Completed"/> and <see cref="Failed"/> are final.</summary>
internal enum RoundPhase
{
    WaitingForParticipants,
    Training,
    Aggregating,
    Evaluating,
    Completed,
    Failed,
}

/// <summary>What moves a round from one phase to the next.</summary>
internal enum RoundTrigger
{
    /// <summary>Enough participants are connected; train tasks go out.</summary>
    ParticipantsReady,
    /// <summary>All selected updates arrived or the deadline passed.</summary>
    UpdatesCollected,
    /// <summary>The new global model exists.</summary>
    Aggregated,
    /// <summary>All evaluation sums arrived or their deadline passed.</summary>
    EvaluationsCollected,
    /// <summary>Too few updates, no participants in time, an error, or the run was stopped.</summary>
    Fail,
}
