using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Federated.Crypto.Multiparty;

/// <summary>
/// Joint derivation of the 32-byte seed that expands to the common polynomial a. A seed chosen by one party
/// (say the coordinator picking a = 0) breaks the scheme, so: every party draws a <see cref="NewContribution"/>,
/// publishes <see cref="Commit"/> of it, and only after all commitments are in reveals it; everybody checks the
/// reveals against the commitments and calls <see cref="Derive"/> over the reveals in party-index order.
/// </summary>
public static class CommonSeed
{
    public const int Size = 32;

    private static ReadOnlySpan<byte> Label => "Federated.Crypto common seed v1"u8;

    public static byte[] NewContribution() => RandomNumberGenerator.GetBytes(Size);

    public static byte[] Commit(ReadOnlySpan<byte> contribution) => SHA256.HashData(contribution);

    /// <summary>True when <paramref name="contribution"/> opens <paramref name="commitment"/> (constant time).</summary>
    public static bool Verify(ReadOnlySpan<byte> commitment, ReadOnlySpan<byte> contribution) =>
        CryptographicOperations.FixedTimeEquals(commitment, SHA256.HashData(contribution));

    /// <summary>SHA-256(label ‖ for each contribution: LE32 length ‖ bytes), contributions in party-index order.</summary>
    public static byte[] Derive(IEnumerable<ReadOnlyMemory<byte>> contributionsInPartyOrder)
    {
        ArgumentNullException.ThrowIfNull(contributionsInPartyOrder);
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(Label);
        Span<byte> len = stackalloc byte[4];
        int count = 0;
        foreach (ReadOnlyMemory<byte> c in contributionsInPartyOrder)
        {
            if (c.Length < 16)
            {
                throw new ArgumentException($"Contribution {count} has {c.Length} bytes; at least 16 random bytes are needed.", nameof(contributionsInPartyOrder));
            }

            BinaryPrimitives.WriteInt32LittleEndian(len, c.Length);
            h.AppendData(len);
            h.AppendData(c.Span);
            count++;
        }

        if (count < 2)
        {
            throw new ArgumentException("A common seed needs contributions from at least two parties.", nameof(contributionsInPartyOrder));
        }

        return h.GetHashAndReset();
    }
}
