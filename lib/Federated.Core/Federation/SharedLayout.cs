namespace Federated.Core.Federation;

/// <summary>
/// Names and version of the flat shared-parameter vector. Two parties can only exchange updates when
/// <see cref="Name"/>, <see cref="Version"/> and <see cref="Length"/> all match.
/// </summary>
public sealed record SharedLayout(string Name, int Version, int Length)
{
    public override string ToString() => $"{Name}/v{Version} ({Length} floats)";

    /// <summary>Throws with both layouts named when <paramref name="other"/> differs.</summary>
    public void EnsureCompatible(SharedLayout other, string what)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (this != other)
        {
            throw new InvalidDataException($"{what}: expected model layout {this}, got {other}.");
        }
    }
}
