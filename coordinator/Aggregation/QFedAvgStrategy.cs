namespace Federated.Coordinator.Aggregation;

/// <summary>
/// q-FFL aggregation (q-FedAvg, Li, Sanjabi, Beirami and Smith, "Fair Resource Allocation in Federated Learning",
/// ICLR 2020): minimises Σ pₖ·Fₖ^(q+1)/(q+1), so sites with a higher loss weigh more as q grows (q = 0 is FedAvg
/// with step 1). Each site k sends F_k^q·δ_k in place of its delta (δ = local − global, F = local loss of the global
/// model) and h_k = q·F_k^(q−1)·L²·‖δ_k‖² + L·F_k^q (Federated.Federation.Fairness.QfflTerms). The paper's step
/// w ← w − ΣΔ_k / Σh_k with Δ_k = F_k^q·L·(w − w̄_k) = −L·F_k^q·δ_k becomes w ← w + L·Σ pₖF_k^q·δ_k / Σ pₖh_k, with the
/// sample shares pₖ as weights: a ratio of two weighted means, so it needs only sums and runs unchanged on the
/// decrypted aggregate of an encrypted round.
/// </summary>
internal sealed class QFedAvgStrategy : IAggregationStrategy
{
    public QFedAvgStrategy(double lipschitz)
    {
        if (!(lipschitz > 0) || !double.IsFinite(lipschitz))
        {
            throw new ArgumentOutOfRangeException(nameof(lipschitz), lipschitz, "The Lipschitz constant L must be a positive finite number.");
        }
        Lipschitz = lipschitz;
    }

    public string Name => "qffl";

    /// <summary>L, the Lipschitz constant of the local gradients (also sent to the participants).</summary>
    public double Lipschitz { get; }

    public AggregationResult Aggregate(ReadOnlySpan<float> global, IReadOnlyList<ClientUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            return AggregationResult.KeepPrevious("no updates to aggregate");
        }
        double weightedH = 0, weight = 0;
        foreach (var u in updates)
        {
            if (!(u.QfflH > 0) || !double.IsFinite(u.QfflH))
            {
                return AggregationResult.KeepPrevious($"update of site {u.SiteId} carries no valid q-FFL term h (got {u.QfflH}); is the participant q-FFL aware?");
            }
            weightedH += u.SampleCount * u.QfflH;
            weight += u.SampleCount;
        }
        return Apply(global, WeightedMean.OfDeltas(updates, global.Length), weightedH / weight);
    }

    /// <summary>Without the mean of h the q-FFL step is undefined; encrypted rounds call the three-argument overload.</summary>
    public AggregationResult Apply(ReadOnlySpan<float> global, ReadOnlySpan<double> meanDelta) =>
        AggregationResult.KeepPrevious("q-FFL needs the mean of h beside the mean delta");

    /// <summary>global + L·<paramref name="meanScaledDelta"/> / <paramref name="meanH"/> (both sample-weighted means over the sites).</summary>
    public AggregationResult Apply(ReadOnlySpan<float> global, ReadOnlySpan<double> meanScaledDelta, double meanH)
    {
        if (meanScaledDelta.Length != global.Length)
        {
            throw new ArgumentException($"The mean delta has {meanScaledDelta.Length} values; the model {global.Length}.", nameof(meanScaledDelta));
        }
        if (!(meanH > 0) || !double.IsFinite(meanH))
        {
            return AggregationResult.KeepPrevious($"q-FFL: the mean of h is {meanH}; it must be positive (did every participant send its q-FFL terms?)");
        }
        double step = Lipschitz / meanH;
        var next = new float[global.Length];
        for (int i = 0; i < next.Length; i++)
        {
            next[i] = (float)(global[i] + (step * meanScaledDelta[i]));
        }
        return AggregationResult.Updated(next);
    }
}
