namespace Federated.Coordinator.Aggregation;

/// <summary>FedAdam (Reddi et al. 2021): v ← β₂·v + (1 − β₂)·Δ², an exponential average of squared pseudo-gradients.</summary>
internal sealed class FedAdamStrategy(double learningRate, double beta1 = 0.9, double beta2 = 0.99, double tau = 1e-3)
    : AdaptiveServerOptimizer(learningRate, beta1, beta2, tau)
{
    public override string Name => "fedadam";

    protected override double SecondMoment(double previous, double squared) => (Beta2 * previous) + ((1 - Beta2) * squared);
}
