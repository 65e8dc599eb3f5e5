using Federated.Coordinator.Aggregation;

namespace Federated.Federation.Tests.Coordinator;

public class FedAvgStrategyTests
{
    [Fact]
    public void Aggregate_TwoUpdates_WeightsBySampleCount()
    {
        var strategy = new FedAvgStrategy();
        float[] global = [1f, 2f];
        var updates = new[]
        {
            new ClientUpdate("a", [1f, 0f], SampleCount: 1, TrainLoss: 2.0),
            new ClientUpdate("b", [-1f, 4f], SampleCount: 3, TrainLoss: 1.0),
        };

        var result = strategy.Aggregate(global, updates);

        // mean delta = (1·[1,0] + 3·[-1,4]) / 4 = [-0.5, 3]
        Assert.False(result.KeepsPrevious);
        Assert.Equal([0.5f, 5f], result.NewGlobal!);
        Assert.Equal([1f, 2f], global);
        Assert.Equal([1f, 0f], updates[0].Delta);
        Assert.Equal(1.25, WeightedMean.TrainLoss(updates), 12);
    }

    [Fact]
    public void Aggregate_SingleUpdate_AppliesItsDelta()
    {
        var result = new FedAvgStrategy().Aggregate([0f, 0f, 0f], [new ClientUpdate("a", [0.25f, -1f, 3f], 17, double.NaN)]);

        Assert.Equal([0.25f, -1f, 3f], result.NewGlobal!);
    }

    [Fact]
    public void Aggregate_ServerLearningRate_ScalesTheMeanDelta()
    {
        var result = new FedAvgStrategy(serverLearningRate: 0.5).Aggregate([10f], [new ClientUpdate("a", [4f], 2, 0), new ClientUpdate("b", [8f], 2, 0)]);

        Assert.Equal([13f], result.NewGlobal!);
    }

    [Fact]
    public void Aggregate_NoUpdates_KeepsPreviousModelExplicitly()
    {
        var result = new FedAvgStrategy().Aggregate([1f], []);

        Assert.True(result.KeepsPrevious);
        Assert.Equal("no updates to aggregate", result.KeepReason);
    }

    [Fact]
    public void Aggregate_UpdateOfWrongLength_ThrowsNamingSite()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FedAvgStrategy().Aggregate([1f, 2f], [new ClientUpdate("site-x", [1f], 1, 0)]));

        Assert.StartsWith("Update of site site-x has 1 values; expected 2.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainLoss_IgnoresNonFiniteLosses()
    {
        Assert.Equal(3.0, WeightedMean.TrainLoss([new ClientUpdate("a", [0f], 5, double.NaN), new ClientUpdate("b", [0f], 1, 3.0)]));
        Assert.True(double.IsNaN(WeightedMean.TrainLoss([new ClientUpdate("a", [0f], 5, double.NaN)])));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Constructor_InvalidServerLearningRate_Throws(double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FedAvgStrategy(rate));
    }
}
