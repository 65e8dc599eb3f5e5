namespace Federated.Coordinator.Aggregation;

/// <summary>One accepted, decoded update of a round.</summary>
/// <param name="SiteId">Who sent it.</param>
/// <param name="Delta">Local minus global shared parameters.</param>
/// <param name="SampleCount">Samples behind it (the FedAvg weight), &gt; 0.</param>
/// <param name="TrainLoss">Mean local training loss (NaN when unknown).</param>
internal sealed record ClientUpdate(string SiteId, float[] Delta, long SampleCount, double TrainLoss)
{
    /// <summary>q-FFL runs: the site's h (then <see cref="Delta"/> holds F^q·δ); 0 otherwise.</summary>
    public double QfflH { get; init; }
}
