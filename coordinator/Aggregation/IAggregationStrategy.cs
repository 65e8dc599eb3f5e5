namespace Federated.Coordinator.Aggregation;

/// <summary>
/// Turns a round's accepted updates into the next global model. One implementation per file; decorators (clipping,
/// differential privacy, fairness) wrap an inner strategy.
/// </summary>
internal interface IAggregationStrategy
{
    /// <summary>Name for logs and reports, e.g. "fedavg".</summary>
    string Name { get; }

    /// <summary>
    /// Combines <paramref name="updates"/> (all of the layout's length) with <paramref name="global"/>. Must not
    /// modify its inputs.
    /// </summary>
    AggregationResult Aggregate(ReadOnlySpan<float> global, IReadOnlyList<ClientUpdate> updates);

    /// <summary>
    /// One server step from the sample-weighted mean delta alone (Σ nᵢ·Δᵢ / Σ nᵢ, the "pseudo-gradient" of Reddi et
    /// al.). Encrypted rounds only ever know this average, so every strategy must work from it.
    /// </summary>
    AggregationResult Apply(ReadOnlySpan<float> global, ReadOnlySpan<double> meanDelta);
}
