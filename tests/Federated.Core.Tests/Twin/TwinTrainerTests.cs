using Federated.Core.Federation;
using Federated.Core.Twin;

namespace Federated.Core.Tests.Twin;

public class TwinTrainerTests
{
    private static readonly ThermalParameters[] Truth =
    [
        new(6.0, 10.0, 4.0, 0.9),
        new(2.5, 30.0, 9.0, 0.9),
        new(4.0, 20.0, 6.0, 0.9),
    ];

    [Fact]
    public void Train_OnSimulatedData_RecoversPhysicalParametersWithin15Percent()
    {
        var site = SimulatedBuildings.Site(Truth, hours: 24 * 30, seed: 7, noiseStd: 0.05);
        var (train, test) = site.SplitLastDays(5);
        var options = new TwinOptions();
        using var trainer = new TwinTrainer(train, test, options);
        var global = TwinSharedModel.Initial(options, seed: 1);

        trainer.Train(global, new TrainingPlan(1, LocalSteps: 600, LearningRate: 1e-3, BatchSize: 64, Seed: 3), progress: null, CancellationToken.None);

        var learned = trainer.Twin.PhysicalParameters();
        for (int b = 0; b < Truth.Length; b++)
        {
            var got = learned[$"b{b}"].ToArray();
            var want = Truth[b].ToArray();
            for (int j = 0; j < 4; j++)
            {
                double relative = Math.Abs(got[j] - want[j]) / want[j];
                Assert.True(relative < 0.15, $"building b{b} parameter {j}: learned {got[j]:G4}, true {want[j]:G4} ({relative:P1} off)");
            }
        }
    }

    [Fact]
    public void Train_ReturnsDeltaOfSharedLayoutAndSampleCount()
    {
        var site = SimulatedBuildings.Site(Truth[..1], hours: 24 * 6, seed: 1);
        var (train, test) = site.SplitLastDays(2);
        var options = new TwinOptions();
        using var trainer = new TwinTrainer(train, test, options);
        var global = TwinSharedModel.Initial(options, seed: 5);

        var update = trainer.Train(global, new TrainingPlan(1, 3, 1e-2, 8, 1), null, CancellationToken.None);

        Assert.Equal(TwinSharedModel.Layout(options).Length, update.Delta.Length);
        Assert.Equal(4 * 24 - options.Horizon, update.SampleCount);
        Assert.Contains(update.Delta, d => d != 0f);
        Assert.True(double.IsFinite(update.TrainLoss));
    }

    [Fact]
    public async Task Evaluate_TrainedTwinBeatsPersistenceAndUntrainedTwin()
    {
        var site = SimulatedBuildings.Site(Truth, hours: 24 * 20, seed: 11, noiseStd: 0.05);
        var (train, test) = site.SplitLastDays(5);
        var options = new TwinOptions();
        using var trainer = new TwinTrainer(train, test, options);
        var global = TwinSharedModel.Initial(options, seed: 1);
        TwinSharedModel.Load(trainer.Twin.Correction, global);
        var untrained = trainer.Forecast(test).Errors(); // EvaluateAsync would refit the physics first

        var update = trainer.Train(global, new TrainingPlan(1, 200, 1e-3, 64, 2), null, CancellationToken.None);
        var local = global.Zip(update.Delta, (g, d) => g + d).ToArray();
        var trained = await trainer.EvaluateAsync(local, CancellationToken.None);
        var persistence = SiteForecast.Persistence(test, options.Horizon).Errors();

        Assert.Equal(persistence.Count, trained.Count);
        Assert.True(trained.Rmse < 0.5 * persistence.Rmse, $"twin RMSE {trained.Rmse:F3} vs persistence {persistence.Rmse:F3}");
        Assert.True(trained.Rmse < 0.5 * untrained.Rmse, $"twin RMSE {trained.Rmse:F3} vs untrained {untrained.Rmse:F3}");
    }

    [Fact]
    public void Constructor_NoWindowLongEnough_ThrowsNamingTheSource()
    {
        var site = SimulatedBuildings.Site(Truth[..1], hours: 10, seed: 1);
        var ex = Assert.Throws<InvalidDataException>(() => new TwinTrainer(site, site, new TwinOptions()));
        Assert.Contains("simulated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("25 hours", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ManySteps_ResidentMemoryStaysFlat()
    {
        var site = SimulatedBuildings.Site(Truth, hours: 24 * 8, seed: 3);
        var (train, test) = site.SplitLastDays(2);
        var options = new TwinOptions();
        using var trainer = new TwinTrainer(train, test, options);
        var global = TwinSharedModel.Initial(options, seed: 1);
        trainer.Train(global, new TrainingPlan(1, 400, 1e-3, 32, 1), null, CancellationToken.None);
        long before = Environment.WorkingSet;

        trainer.Train(global, new TrainingPlan(2, 800, 1e-3, 32, 1), null, CancellationToken.None);

        long growthMb = (Environment.WorkingSet - before) / (1024 * 1024);
        Assert.True(growthMb < 30, $"resident memory grew by {growthMb} MB over 800 steps after warm-up: native tensors are leaking");
    }

    [Fact]
    public async Task AdoptGlobal_RefitsOnlyThePhysicsToTheReceivedNetwork()
    {
        var site = SimulatedBuildings.Site(Truth, hours: 24 * 12, seed: 5, noiseStd: 0.05);
        var (train, test) = site.SplitLastDays(3);
        var options = new TwinOptions();
        using var trainer = new TwinTrainer(train, test, options);
        var initial = TwinSharedModel.Initial(options, seed: 1);
        var update = trainer.Train(initial, new TrainingPlan(1, 150, 1e-2, 64, 4), null, CancellationToken.None);
        // A global network unlike the one the physics was fitted to: the local one pushed twice as far.
        var global = initial.Zip(update.Delta, (g, d) => g + (2 * d)).ToArray();
        TwinSharedModel.Load(trainer.Twin.Correction, global);
        var before = trainer.Forecast(test).Errors().Rmse;

        var after = await trainer.EvaluateAsync(global, CancellationToken.None);

        Assert.Equal(global, TwinSharedModel.Flatten(trainer.Twin.Correction));
        Assert.True(after.Rmse < before, $"RMSE with the global network: {before:F4} before refitting the physics, {after.Rmse:F4} after");
    }
}
