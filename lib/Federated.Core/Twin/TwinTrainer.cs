using Federated.Core.Data;
using Federated.Core.Fairness;
using Federated.Core.Federation;
using Federated.Core.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>
/// Trains and evaluates one site's twin. The correction network is replaced by the global model at the start of
/// every round; the buildings' physical parameters and their optimiser state stay here across rounds.
/// Not thread-safe: a participant runs one round at a time.
/// </summary>
public sealed class TwinTrainer : ILocalTrainer, IForecastEvaluator, IDisposable
{
    private const double EfficiencyPriorWeight = 1e-3;
    private const int PersonalisationBatch = 64;
    private const int NativeAttempts = 3;

    private readonly WindowIndex _train;
    private readonly SiteDataset _test;
    private readonly ILogger _logger;
    private readonly optim.Optimizer _physicsOptimizer;
    private readonly Random _personalisationRandom = new(17);
    private readonly double[]? _cohortSampling;
    // Loss constants as Scalars owned by this trainer (see PinnedScalars for why not temporaries).
    private readonly Scalar _nameplateEfficiency, _inversePriorStd, _physicsWeight, _priorWeight;

    public TwinTrainer(SiteDataset train, SiteDataset test, TwinOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _logger = logger ?? NullLogger.Instance;
        Options = options;
        _train = new WindowIndex(train, options.Horizon);
        _test = test;
        if (_train.Count == 0)
        {
            throw new InvalidDataException(
                $"{train.Source}: no gap-free run of {options.Horizon + 1} hours in the training period, so the twin has nothing to learn from.");
        }
        Twin = new BuildingThermalTwin(train.Buildings.Select(b => b.BuildingId).ToList(), options, TorchRuntime.Initialize(_logger));
        _physicsOptimizer = optim.Adam([Twin.PhysicsRaw], options.PhysicsLearningRate);
        foreach (var (first, second) in TwinFeatures.Collisions(train.Buildings.SelectMany(b => b.Cohorts).Concat(test.Buildings.SelectMany(b => b.Cohorts)), options.CohortBuckets))
        {
            _logger.LogWarning("Cohort values {First} and {Second} share a feature-hashing bucket; the shared model cannot tell them apart", first, second);
        }
        Layout = TwinSharedModel.Layout(options);
        _nameplateEfficiency = options.NameplateEfficiency;
        _inversePriorStd = 1.0 / options.EfficiencyPriorStd;
        _physicsWeight = options.PhysicsWeight;
        _priorWeight = EfficiencyPriorWeight;
        _cohortSampling = options.CohortReweighting ? CohortSamplingTable(_train) : null;
    }

    public TwinOptions Options { get; }
    public SharedLayout Layout { get; }
    public BuildingThermalTwin Twin { get; }

    /// <summary>Training windows available: the FedAvg weight of this site.</summary>
    public long SampleCount => _train.Count;

    public Task<LocalUpdate> TrainAsync(ReadOnlyMemory<float> globalShared, TrainingPlan plan, CancellationToken cancellationToken) =>
        Task.Run(() => Train(globalShared.Span, plan, progress: null, cancellationToken), cancellationToken);

    public Task<EvaluationSums> EvaluateAsync(ReadOnlyMemory<float> globalShared, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            AdoptGlobal(globalShared.Span, cancellationToken);
            return Forecast(_test, cancellationToken).Errors();
        }, cancellationToken);

    public Task<SiteForecast> ForecastTestAsync(ReadOnlyMemory<float> globalShared, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            AdoptGlobal(globalShared.Span, cancellationToken);
            return Forecast(_test, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Takes the global correction network as this site's model and refits only the site's physical parameters to
    /// it, on training data, with the network frozen. The physics left by local training was fitted to this site's
    /// own network; without this step the global network would be paired with parameters tuned for another one.
    /// </summary>
    public void AdoptGlobal(ReadOnlySpan<float> globalShared, CancellationToken cancellationToken)
    {
        var global = globalShared.ToArray();
        WithNativeRetry(() => AdoptGlobalOnce(global, cancellationToken), "personalisation");
    }

    private bool AdoptGlobalOnce(float[] globalShared, CancellationToken cancellationToken)
    {
        TwinSharedModel.Load(Twin.Correction, globalShared);
        var windows = new int[Math.Min(PersonalisationBatch, _train.Count)];
        for (int step = 0; step < Options.PersonalisationSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int i = 0; i < windows.Length; i++)
            {
                windows[i] = _personalisationRandom.Next(_train.Count);
            }
            using var scope = NewDisposeScope();
            using var batch = WindowBatch.Create(_train, windows, b => b, Options.CohortBuckets, Twin.Device);
            var loss = Loss(batch, generator: null, out _);
            _physicsOptimizer.zero_grad();
            var gradient = autograd.grad([loss], [Twin.PhysicsRaw])[0];
            Twin.PhysicsRaw.grad = gradient;
            _physicsOptimizer.step();
        }
        return true;
    }

    /// <summary>Runs the plan's local steps from <paramref name="globalShared"/>; reports (step, loss) when asked.</summary>
    public LocalUpdate Train(ReadOnlySpan<float> globalShared, TrainingPlan plan, IProgress<(int Step, double Loss)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.LocalSteps < 1 || plan.BatchSize < 1 || !(plan.LearningRate > 0))
        {
            throw new ArgumentException($"Training plan needs LocalSteps ≥ 1, BatchSize ≥ 1 and LearningRate > 0; got {plan}.", nameof(plan));
        }
        var start = globalShared.ToArray();
        return WithNativeRetry(() => TrainOnce(start, plan, progress, cancellationToken), $"round {plan.Round} training");
    }

    private LocalUpdate TrainOnce(float[] start, TrainingPlan plan, IProgress<(int Step, double Loss)>? progress, CancellationToken cancellationToken)
    {
        TwinSharedModel.Load(Twin.Correction, start);
        using var sharedOptimizer = optim.Adam(Twin.Correction.parameters(), plan.LearningRate);
        // Not HashCode.Combine: it is randomised per process, and a seed must give the same run every time.
        var random = new Random(unchecked((int)((plan.Seed * 1_000_003L) ^ plan.Round)));
        using var generator = new Generator((ulong)random.NextInt64(), Twin.Device);
        var windows = new int[Math.Min(plan.BatchSize, _train.Count)];
        double lossSum = 0, initialLoss = double.NaN;
        for (int step = 1; step <= plan.LocalSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int i = 0; i < windows.Length; i++)
            {
                windows[i] = SampleWindow(random);
            }
            using var scope = NewDisposeScope();
            using var batch = WindowBatch.Create(_train, windows, b => b, Options.CohortBuckets, Twin.Device);
            var loss = Loss(batch, generator, out _);
            sharedOptimizer.zero_grad();
            _physicsOptimizer.zero_grad();
            loss.backward();
            sharedOptimizer.step();
            _physicsOptimizer.step();
            double value = loss.item<float>();
            lossSum += value;
            if (step == 1)
            {
                initialLoss = value;
            }
            progress?.Report((step, value));
        }
        var trained = TwinSharedModel.Flatten(Twin.Correction);
        for (int i = 0; i < trained.Length; i++)
        {
            trained[i] -= start[i];
        }
        double meanLoss = lossSum / plan.LocalSteps;
        _logger.LogDebug("Round {Round}: {Steps} local steps, mean loss {Loss:F4}", plan.Round, plan.LocalSteps, meanLoss);
        return new LocalUpdate(trained, _train.Count, meanLoss) { InitialLoss = initialLoss };
    }

    /// <summary>
    /// A training window: uniform, or with <see cref="TwinOptions.CohortReweighting"/> drawn with probability inversely
    /// proportional to how many local windows share its building's cohort (every cohort then weighs the same).
    /// </summary>
    private int SampleWindow(Random random)
    {
        if (_cohortSampling is null)
        {
            return random.Next(_train.Count);
        }
        double u = random.NextDouble() * _cohortSampling[^1];
        int index = Array.BinarySearch(_cohortSampling, u);
        index = index >= 0 ? index + 1 : ~index;
        return Math.Min(index, _train.Count - 1);
    }

    /// <summary>Cumulative sampling weights: 1 / (windows of the same cohort), the cohort being all cohort values of the building.</summary>
    private static double[] CohortSamplingTable(WindowIndex windows)
    {
        var dataset = windows.Dataset;
        string Key(int building) => string.Join("\u001f", dataset.CohortColumns.Select(c => dataset.Buildings[building].Cohorts.TryGetValue(c, out var v) ? v : ""));
        var keys = new string[dataset.Buildings.Count];
        for (int b = 0; b < keys.Length; b++)
        {
            keys[b] = Key(b);
        }
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < windows.Count; i++)
        {
            var key = keys[windows[i].Building];
            frequency[key] = frequency.GetValueOrDefault(key) + 1;
        }
        var cumulative = new double[windows.Count];
        double total = 0;
        for (int i = 0; i < windows.Count; i++)
        {
            total += 1.0 / frequency[keys[windows[i].Building]];
            cumulative[i] = total;
        }
        return cumulative;
    }

    /// <summary>Data fit of the rollout + weighted physics residual + the weak efficiency prior.</summary>
    internal Tensor Loss(WindowBatch batch, Generator? generator, out Tensor dataLoss)
    {
        var physical = Twin.Physical(batch.Buildings); // once per step: rollout, residual and prior share it
        var predicted = Twin.Rollout(batch, physical, out var corrections);
        dataLoss = nn.functional.mse_loss(predicted, batch.Target);
        var residual = BuildingThermalTwin.PhysicsResidual(batch, physical, predicted, corrections, generator);
        var efficiency = physical.Efficiency;
        var z = efficiency.sub(_nameplateEfficiency).Times(_inversePriorStd);
        var prior = z.mul(z).mean(); // not square(): it passes a temporary exponent Scalar
        return dataLoss.Plus(residual.mul(residual).mean().Times(_physicsWeight)).Plus(prior.Times(_priorWeight));
    }

    /// <summary>Forecasts every row of <paramref name="dataset"/> with the current model.</summary>
    public SiteForecast Forecast(SiteDataset dataset, CancellationToken cancellationToken = default) =>
        WithNativeRetry(() => TwinForecaster.Forecast(Twin, dataset, cancellationToken), "forecast");

    /// <summary>
    /// TorchSharp 0.107 hands temporary Scalars (e.g. the implicit alpha of <c>a + b</c>) to libtorch by raw handle;
    /// a garbage collection at that instant can finalise one mid-call, and libtorch then fails with "Expected false to
    /// be true" in <c>c10::Scalar::to…</c>. It is rare (seen under load with several trainers in one process) and the
    /// work is repeatable — it starts again from the same global vector — so it is run again instead of failing the round.
    /// </summary>
    private T WithNativeRetry<T>(Func<T> work, string what)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return work();
            }
            catch (ExternalException ex) when (attempt < NativeAttempts)
            {
                _logger.LogWarning(ex, "{What}: libtorch failed on attempt {Attempt}; running it again", what, attempt);
            }
        }
    }

    public void Dispose()
    {
        _physicsOptimizer.Dispose();
        foreach (var scalar in new[] { _nameplateEfficiency, _inversePriorStd, _physicsWeight, _priorWeight })
        {
            scalar.Dispose();
        }
        Twin.Dispose();
    }
}
