using Federated.Core.Federation;

namespace Federated.Coordinator.Models;

/// <summary>A zero vector of a chosen length, for transport tests, benchmarks and simulated participants.</summary>
internal sealed class SyntheticModelSource(int length, string name = "synthetic") : IGlobalModelSource
{
    public SharedLayout Layout { get; } = new(name, 1, length);

    public float[] CreateInitial(long seed) => new float[Layout.Length];
}
