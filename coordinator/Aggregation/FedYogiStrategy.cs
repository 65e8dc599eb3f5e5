namespace Federated.Coordinator.Aggregation;

/// <summary>
/// FedYogi (Reddi et al. 2021): v ← v − (1 − β₂)·Δ²·sign(v − Δ²). v moves towards Δ² by an additive step, so it
/// grows as fast as Adam's but shrinks more slowly, keeping the effective learning rate from spiking.
/// </summary>
internal sealed class FedYogiStrategy(double learningRate, double beta1 = 0.9, double beta2 = 0.99, double tau = 1e-3)
    : AdaptiveServerOptimizer(learningRate, beta1, beta2, tau)
{
    public override string Name => "fedyogi";

    protected override double SecondMoment(double previous, double squared) => previous - ((1 - Beta2) * squared * Math.Sign(previous - squared));
}
