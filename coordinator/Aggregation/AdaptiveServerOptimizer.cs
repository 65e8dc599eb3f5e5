namespace Federated.Coordinator.Aggregation;

/// <summary>
/// The state and step shared by FedAdam and FedYogi (Reddi et al., "Adaptive Federated Optimization", ICLR 2021,
/// Algorithm 2): with the round's mean delta Δ as pseudo-gradient, m ← β₁·m + (1 − β₁)·Δ, v updated by the
/// subclass's rule, x ← x + η·m / (√v + τ). No bias correction, as in the paper. v starts at τ², m at 0.
/// Not thread-safe: the runner aggregates one round at a time.
/// </summary>
internal abstract class AdaptiveServerOptimizer : IAggregationStrategy
{
    private double[]? _m;
    private double[]? _v;

    protected AdaptiveServerOptimizer(double learningRate, double beta1, double beta2, double tau)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The server learning rate must be a positive finite number.");
        }
        if (beta1 is < 0 or >= 1 || double.IsNaN(beta1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        }
        if (beta2 is < 0 or >= 1 || double.IsNaN(beta2))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        }
        if (!(tau > 0) || !double.IsFinite(tau))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be a positive finite number.");
        }
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Tau = tau;
    }

    public abstract string Name { get; }

    public double LearningRate { get; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Tau { get; }

    public AggregationResult Aggregate(ReadOnlySpan<float> global, IReadOnlyList<ClientUpdate> updates) =>
        WeightedMean.ApplyToMeanDelta(this, global, updates);

    public AggregationResult Apply(ReadOnlySpan<float> global, ReadOnlySpan<double> meanDelta)
    {
        if (meanDelta.Length != global.Length)
        {
            throw new ArgumentException($"The mean delta has {meanDelta.Length} values; the model {global.Length}.", nameof(meanDelta));
        }
        if (_m is null || _m.Length != global.Length)
        {
            _m = new double[global.Length];
            _v = new double[global.Length];
            Array.Fill(_v, Tau * Tau);
        }
        var m = _m;
        var v = _v!;
        var next = new float[global.Length];
        for (int i = 0; i < next.Length; i++)
        {
            double g = meanDelta[i];
            m[i] = (Beta1 * m[i]) + ((1 - Beta1) * g);
            v[i] = SecondMoment(v[i], g * g);
            next[i] = (float)(global[i] + (LearningRate * m[i] / (Math.Sqrt(v[i]) + Tau)));
        }
        return AggregationResult.Updated(next);
    }

    /// <summary>The new second-moment estimate from the previous one and Δ².</summary>
    protected abstract double SecondMoment(double previous, double squared);
}
