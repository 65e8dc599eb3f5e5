namespace Federated.Coordinator.Aggregation;

/// <summary>The weighted arithmetic shared by strategies, accumulated in double precision.</summary>
internal static class WeightedMean
{
    /// <summary>
    /// The plaintext path of every strategy that steps from the mean delta alone: no updates keeps the previous model,
    /// otherwise <see cref="IAggregationStrategy.Apply"/> on the sample-weighted mean.
    /// </summary>
    public static AggregationResult ApplyToMeanDelta(IAggregationStrategy strategy, ReadOnlySpan<float> global, IReadOnlyList<ClientUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(updates);
        return updates.Count == 0
            ? AggregationResult.KeepPrevious("no updates to aggregate")
            : strategy.Apply(global, OfDeltas(updates, global.Length));
    }

    /// <summary>Σ wᵢ·deltaᵢ / Σ wᵢ with wᵢ = sample count; throws when the updates are empty or of mixed length.</summary>
    public static double[] OfDeltas(IReadOnlyList<ClientUpdate> updates, int length)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            throw new ArgumentException("At least one update is needed.", nameof(updates));
        }
        var sum = new double[length];
        double totalWeight = 0;
        foreach (var update in updates)
        {
            if (update.Delta.Length != length)
            {
                throw new ArgumentException($"Update of site {update.SiteId} has {update.Delta.Length} values; expected {length}.", nameof(updates));
            }
            if (update.SampleCount <= 0)
            {
                throw new ArgumentException($"Update of site {update.SiteId} has sample count {update.SampleCount}; it must be positive.", nameof(updates));
            }
            double weight = update.SampleCount;
            totalWeight += weight;
            var delta = update.Delta;
            for (int i = 0; i < length; i++)
            {
                sum[i] += weight * delta[i];
            }
        }
        for (int i = 0; i < length; i++)
        {
            sum[i] /= totalWeight;
        }
        return sum;
    }

    /// <summary>Sample-weighted mean of the finite train losses, NaN when none is finite.</summary>
    public static double TrainLoss(IReadOnlyList<ClientUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        double sum = 0, weight = 0;
        foreach (var update in updates)
        {
            if (double.IsFinite(update.TrainLoss))
            {
                sum += update.SampleCount * update.TrainLoss;
                weight += update.SampleCount;
            }
        }
        return weight > 0 ? sum / weight : double.NaN;
    }
}
