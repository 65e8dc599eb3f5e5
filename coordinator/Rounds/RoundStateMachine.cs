namespace Federated.Coordinator.Rounds;

/// <summary>A recorded phase change.</summary>
internal sealed record RoundTransition(RoundPhase From, RoundTrigger Trigger, RoundPhase To, DateTimeOffset At);

/// <summary>
/// The phases of one round attempt as an explicit state machine:
/// <code>
/// WaitingForParticipants --ParticipantsReady--> Training --UpdatesCollected--> Aggregating
///     --Aggregated--> Evaluating --EvaluationsCollected--> Completed
/// any non-final phase --Fail--> Failed
/// </code>
/// Any other trigger throws <see cref="InvalidOperationException"/> naming the phase and the trigger. Not
/// thread-safe: the owner serialises access.
/// </summary>
internal sealed class RoundStateMachine
{
    private static readonly Dictionary<(RoundPhase, RoundTrigger), RoundPhase> Transitions = new()
    {
        [(RoundPhase.WaitingForParticipants, RoundTrigger.ParticipantsReady)] = RoundPhase.Training,
        [(RoundPhase.Training, RoundTrigger.UpdatesCollected)] = RoundPhase.Aggregating,
        [(RoundPhase.Aggregating, RoundTrigger.Aggregated)] = RoundPhase.Evaluating,
        [(RoundPhase.Evaluating, RoundTrigger.EvaluationsCollected)] = RoundPhase.Completed,
        [(RoundPhase.WaitingForParticipants, RoundTrigger.Fail)] = RoundPhase.Failed,
        [(RoundPhase.Training, RoundTrigger.Fail)] = RoundPhase.Failed,
        [(RoundPhase.Aggregating, RoundTrigger.Fail)] = RoundPhase.Failed,
        [(RoundPhase.Evaluating, RoundTrigger.Fail)] = RoundPhase.Failed,
    };

    private readonly TimeProvider _time;
    private readonly List<RoundTransition> _history = [];

    public RoundStateMachine(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        EnteredAt = _time.GetUtcNow();
    }

    public RoundPhase Phase { get; private set; } = RoundPhase.WaitingForParticipants;

    /// <summary>When the current phase was entered.</summary>
    public DateTimeOffset EnteredAt { get; private set; }

    /// <summary>Why the round failed; null unless <see cref="Phase"/> is <see cref="RoundPhase.Failed"/>.</summary>
    public string? FailureReason { get; private set; }

    public bool IsFinal => Phase is RoundPhase.Completed or RoundPhase.Failed;

    public IReadOnlyList<RoundTransition> History => _history;

    /// <summary>True when <paramref name="trigger"/> is allowed in the current phase.</summary>
    public bool CanFire(RoundTrigger trigger) => Transitions.ContainsKey((Phase, trigger));

    /// <summary>Moves to the next phase; throws when <paramref name="trigger"/> is not allowed now.</summary>
    public RoundPhase Fire(RoundTrigger trigger)
    {
        if (trigger == RoundTrigger.Fail)
        {
            throw new ArgumentException("Use Fail(reason) to fail a round.", nameof(trigger));
        }
        return Move(trigger);
    }

    /// <summary>Fails the round with <paramref name="reason"/>; throws when it is already final.</summary>
    public void Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Move(RoundTrigger.Fail);
        FailureReason = reason;
    }

    private RoundPhase Move(RoundTrigger trigger)
    {
        if (!Transitions.TryGetValue((Phase, trigger), out var next))
        {
            throw new InvalidOperationException($"Round phase {Phase} does not accept trigger {trigger}.");
        }
        var now = _time.GetUtcNow();
        _history.Add(new RoundTransition(Phase, trigger, next, now));
        Phase = next;
        EnteredAt = now;
        return next;
    }
}
