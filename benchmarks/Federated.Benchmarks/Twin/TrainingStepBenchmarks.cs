using BenchmarkDotNet.Attributes;
using Federated.Core.Data;
using Federated.Core.Data.Generation;
using Federated.Core.Federation;
using Federated.Core.Twin;

namespace Federated.Benchmarks.Twin;

/// <summary>One local optimiser step of the twin (batch of 24-hour rollouts, physics residual, backward, Adam) on CPU.</summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private TwinTrainer _trainer = null!;
    private float[] _global = null!;
    private int _round;

    [Params(32, 128)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var site = SyntheticSite();
        var (train, test) = site.SplitLastDays(7);
        var options = new TwinOptions();
        _trainer = new TwinTrainer(train, test, options);
        _global = TwinSharedModel.Initial(options, 1);
    }

    [Benchmark]
    public LocalUpdate OneStep() => _trainer.Train(_global, new TrainingPlan(++_round, 1, 1e-3, BatchSize, 1), null, CancellationToken.None);

    [GlobalCleanup]
    public void Cleanup() => _trainer.Dispose();

    private static SiteDataset SyntheticSite()
    {
        const int Hours = 24 * 28;
        var parameters = new TrueThermalParameters(4, 15, 5, 0.9);
        var buildings = Enumerable.Range(0, 8).Select(b =>
        {
            var outdoor = Enumerable.Range(0, Hours).Select(h => (float)(5 + 5 * Math.Sin(2 * Math.PI * h / 24))).ToArray();
            var solar = Enumerable.Range(0, Hours).Select(h => (float)Math.Max(0, 600 * Math.Sin(2 * Math.PI * (h - 6) / 24))).ToArray();
            var hvac = Enumerable.Range(0, Hours).Select(h => (float)(h % 7 < 3 ? 4 : 0)).ToArray();
            var segment = BuildingSimulator.Simulate(parameters, 350_000, 20, outdoor, solar, hvac);
            return new BuildingSeries($"b{b}", new Dictionary<string, string>(), [segment]);
        }).ToList();
        return new SiteDataset("benchmark", [], buildings);
    }
}
