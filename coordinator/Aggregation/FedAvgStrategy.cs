namespace Federated.Coordinator.Aggregation;

/// <summary>
/// Federated averaging: the next global model is global + η · Σ nᵢ·Δᵢ / Σ nᵢ, with nᵢ the sample count of
/// update i and η the server learning rate (1 reproduces plain FedAvg).
/// </summary>
internal sealed class FedAvgStrategy : IAggregationStrategy
{
    public FedAvgStrategy(double serverLearningRate = 1.0)
    {
        if (!(serverLearningRate > 0) || !double.IsFinite(serverLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(serverLearningRate), serverLearningRate, "The server learning rate must be a positive finite number.");
        }
        ServerLearningRate = serverLearningRate;
    }

    public string Name => "fedavg";

    public double ServerLearningRate { get; }

    public AggregationResult Aggregate(ReadOnlySpan<float> global, IReadOnlyList<ClientUpdate> updates) =>
        WeightedMean.ApplyToMeanDelta(this, global, updates);

    public AggregationResult Apply(ReadOnlySpan<float> global, ReadOnlySpan<double> mean)
    {
        if (mean.Length != global.Length)
        {
            throw new ArgumentException($"The mean delta has {mean.Length} values; the model {global.Length}.", nameof(mean));
        }
        var next = new float[global.Length];
        for (int i = 0; i < next.Length; i++)
        {
            next[i] = (float)(global[i] + ServerLearningRate * mean[i]);
        }
        return AggregationResult.Updated(next);
    }
}
