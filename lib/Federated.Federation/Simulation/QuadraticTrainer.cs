using Federated.Core.Federation;

namespace Federated.Federation.Simulation;

/// <summary>
/// A deterministic stand-in for a real trainer: site loss ½‖w − c‖² around a site-specific target c, minimised by
/// plain gradient steps. The federated optimum is the sample-weighted mean of the sites' targets, so the summed
/// validation error of the global model provably drops round after round from a far-away start. Used by tests,
/// transport benchmarks and load simulations; no data involved.
/// </summary>
public sealed class QuadraticTrainer : ILocalTrainer
{
    private readonly float[] _target;
    private readonly long _sampleCount;

    /// <param name="layout">Layout of the vector (any length).</param>
    /// <param name="target">The site's optimum c, <paramref name="layout"/>.Length values.</param>
    /// <param name="sampleCount">Samples the site claims (its FedAvg weight).</param>
    public QuadraticTrainer(SharedLayout layout, float[] target, long sampleCount)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNotEqual(target.Length, layout.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleCount);
        Layout = layout;
        _target = target;
        _sampleCount = sampleCount;
    }

    public SharedLayout Layout { get; }

    /// <summary>Trainings run so far.</summary>
    public int TrainCalls { get; private set; }

    /// <summary>A target filled with <paramref name="value"/> plus a small site-specific ripple.</summary>
    public static float[] Target(int length, float value, int site)
    {
        var target = new float[length];
        for (int i = 0; i < length; i++)
        {
            target[i] = value + 0.1f * (((i + site) % 7) - 3);
        }
        return target;
    }

    public Task<LocalUpdate> TrainAsync(ReadOnlyMemory<float> globalShared, TrainingPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        cancellationToken.ThrowIfCancellationRequested();
        TrainCalls++;
        var global = globalShared.Span;
        var delta = new float[global.Length];
        // Gradient descent on ½‖w − c‖² contracts the distance by (1 − lr) per step, in closed form.
        double keep = Math.Pow(1 - Math.Clamp(plan.LearningRate, 0, 1), plan.LocalSteps);
        double loss = 0;
        for (int i = 0; i < global.Length; i++)
        {
            double gap = global[i] - _target[i];
            delta[i] = (float)(gap * keep - gap);
            loss += 0.5 * gap * gap;
        }
        return Task.FromResult(new LocalUpdate(delta, _sampleCount, loss / Math.Max(1, global.Length)));
    }

    public Task<EvaluationSums> EvaluateAsync(ReadOnlyMemory<float> globalShared, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var global = globalShared.Span;
        double sse = 0, sae = 0, se = 0;
        for (int i = 0; i < global.Length; i++)
        {
            double error = global[i] - _target[i];
            sse += error * error;
            sae += Math.Abs(error);
            se += error;
        }
        return Task.FromResult(new EvaluationSums(global.Length, sse, sae, se));
    }
}
