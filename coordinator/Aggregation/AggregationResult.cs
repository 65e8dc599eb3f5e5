namespace Federated.Coordinator.Aggregation;

/// <summary>
/// What a strategy decided: a new global model, or explicitly keeping the previous one (with the reason).
/// </summary>
internal sealed record AggregationResult
{
    private AggregationResult(float[]? model, string? keepReason)
    {
        NewGlobal = model;
        KeepReason = keepReason;
    }

    /// <summary>The next global model, or null when the previous one is kept.</summary>
    public float[]? NewGlobal { get; }

    /// <summary>Why the previous model is kept; null when there is a new one.</summary>
    public string? KeepReason { get; }

    public bool KeepsPrevious => NewGlobal is null;

    public static AggregationResult Updated(float[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new AggregationResult(model, null);
    }

    public static AggregationResult KeepPrevious(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new AggregationResult(null, reason);
    }
}
