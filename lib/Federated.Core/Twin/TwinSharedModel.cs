using Federated.Core.Federation;
using TorchSharp;
using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>
/// The shared-vector contract of the twin, layout "building-twin-correction" version 1: the correction network's
/// tensors in this order, each flattened row-major: input.weight [W, F], input.bias [W], hidden.weight [W, W],
/// hidden.bias [W], output.weight [1, W], output.bias [1] — with F = 6 + cohort buckets and W the hidden width.
/// </summary>
public static class TwinSharedModel
{
    public const string LayoutName = "building-twin-correction";
    public const int LayoutVersion = 1;

    public static SharedLayout Layout(TwinOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int f = TwinFeatures.Count(options), w = options.HiddenWidth;
        return new SharedLayout(LayoutName, LayoutVersion, (w * f) + w + (w * w) + w + w + 1);
    }

    /// <summary>
    /// A reproducible starting model: Xavier-uniform weights from <paramref name="seed"/>, zero biases, and a zero
    /// output layer so the untrained twin is pure physics.
    /// </summary>
    public static float[] Initial(TwinOptions options, long seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        int f = TwinFeatures.Count(options), w = options.HiddenWidth;
        var vector = new float[Layout(options).Length];
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        int at = 0;
        at = FillXavier(vector, at, w, f, random) + w;
        FillXavier(vector, at, w, w, random);
        return vector;
    }

    private static int FillXavier(float[] vector, int at, int rows, int columns, Random random)
    {
        double limit = Math.Sqrt(6.0 / (rows + columns));
        for (int i = 0; i < rows * columns; i++)
        {
            vector[at + i] = (float)((random.NextDouble() * 2 - 1) * limit);
        }
        return at + (rows * columns);
    }

    /// <summary>Copies the network's parameters into one vector.</summary>
    public static float[] Flatten(CorrectionNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var scope = NewDisposeScope();
        using var flat = cat(network.parameters().Select(p => p.detach().reshape(-1)).ToArray()).cpu();
        return flat.data<float>().ToArray();
    }

    /// <summary>Overwrites the network's parameters from <paramref name="vector"/>.</summary>
    public static void Load(CorrectionNetwork network, ReadOnlySpan<float> vector)
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.parameters().ToList();
        long expected = parameters.Sum(p => p.numel());
        if (vector.Length != expected)
        {
            throw new InvalidDataException($"Shared vector has {vector.Length} floats; layout {LayoutName}/v{LayoutVersion} of this network needs {expected}.");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int at = 0;
        foreach (var p in parameters)
        {
            int n = (int)p.numel();
            p.copy_(tensor(vector.Slice(at, n).ToArray(), p.shape, device: p.device));
            at += n;
        }
    }
}
