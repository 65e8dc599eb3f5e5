using Federated.Coordinator.Aggregation;

namespace Federated.Federation.Tests.Coordinator;

public class AdaptiveStrategyTests
{
    [Fact]
    public void FedAdam_FirstStep_MatchesReddiEtAlAlgorithm2()
    {
        var adam = new FedAdamStrategy(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3);
        var result = adam.Apply([1f, -2f], [0.5, -0.25]);

        // m = 0.1·Δ, v = 0.99·τ² + 0.01·Δ², x + η·m / (√v + τ)
        double Expected(double x, double d) => x + (0.1 * 0.1 * d / (Math.Sqrt((0.99 * 1e-6) + (0.01 * d * d)) + 1e-3));
        Assert.Equal((float)Expected(1, 0.5), result.NewGlobal![0]);
        Assert.Equal((float)Expected(-2, -0.25), result.NewGlobal[1]);
    }

    [Fact]
    public void FedYogi_SecondMoment_GrowsAdditivelyAndShrinksSlowly()
    {
        var yogi = new FedYogiStrategy(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3);
        var first = yogi.Apply([0f], [0.5]).NewGlobal!;
        // v = τ² − 0.01·Δ²·sign(τ² − Δ²) = τ² + 0.01·0.25; m = 0.05
        double v1 = 1e-6 + (0.01 * 0.25);
        Assert.Equal((float)(0.1 * 0.05 / (Math.Sqrt(v1) + 1e-3)), first[0]);

        // A zero pseudo-gradient: Yogi's v stays (sign(v − 0)·0 = 0) where Adam's would decay by β₂.
        var second = yogi.Apply(first, [0.0]).NewGlobal!;
        double m2 = 0.9 * 0.05;
        Assert.Equal((float)(first[0] + (0.1 * m2 / (Math.Sqrt(v1) + 1e-3))), second[0]);
    }

    [Theory]
    [InlineData("fedavg")]
    [InlineData("fedadam")]
    [InlineData("fedyogi")]
    public void Aggregate_EqualsApplyOnTheWeightedMean(string name)
    {
        IAggregationStrategy Make() => name switch
        {
            "fedadam" => new FedAdamStrategy(0.05),
            "fedyogi" => new FedYogiStrategy(0.05),
            _ => new FedAvgStrategy(0.7),
        };
        float[] global = [0.5f, -1f, 2f];
        var updates = new[]
        {
            new ClientUpdate("a", [1f, 2f, 3f], 10, 0.1),
            new ClientUpdate("b", [-1f, 0f, 1f], 30, 0.2),
        };
        var viaUpdates = Make().Aggregate(global, updates).NewGlobal!;
        var viaMean = Make().Apply(global, WeightedMean.OfDeltas(updates, 3)).NewGlobal!;
        Assert.Equal(viaMean, viaUpdates);
        Assert.Equal(name, Make().Name);
    }

    [Fact]
    public void Constructor_InvalidHyperparameters_NameTheParameter()
    {
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new FedAdamStrategy(0.1, beta2: 1.0)).ParamName);
        Assert.Equal("tau", Assert.Throws<ArgumentOutOfRangeException>(() => new FedYogiStrategy(0.1, tau: 0)).ParamName);
    }
}
