using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>
/// Expands the public polynomial a (NTT form) from a 32-byte seed with the AES-256-CTR keystream.
/// Every party must obtain the same a, and nobody may choose it: derive the seed jointly (see Multiparty.CommonSeed).
/// </summary>
internal static class CommonReference
{
    /// <summary>Domain of the keystream counter blocks for a: ASCII "CRS-a v1" read little-endian.</summary>
    public const ulong DomainA = 0x317620612D535243;

    public const int SeedSize = 32;

    public static Poly ExpandA(HeParameters p, ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"The common seed must be {SeedSize} bytes, got {seed.Length}.", nameof(seed));
        }

        using var stream = new AesCtrKeyStream(seed, DomainA);
        Poly a = p.Ring.NewPoly();
        UniformSampler.Sample(p.Ring, stream, a);
        return a;
    }
}
