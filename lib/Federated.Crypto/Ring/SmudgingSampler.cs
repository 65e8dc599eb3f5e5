using System.Buffers.Binary;
using System.Numerics;

namespace Federated.Crypto.Ring;

/// <summary>
/// Wide uniform smudging noise on [−B, B] as exact 128-bit integers (B reaches ~2^95, beyond any double):
/// draw bitlen(2B+1) random bits and reject values ≥ 2B+1, so the distribution is exactly uniform.
/// </summary>
internal static class SmudgingSampler
{
    public static void Sample(IRandomSource source, UInt128 bound, Span<Int128> result)
    {
        if (bound >= (UInt128.One << 125))
        {
            throw new ArgumentOutOfRangeException(nameof(bound), "The smudging bound must stay below 2^125.");
        }

        UInt128 width = (bound << 1) + 1;
        int bits = 128 - (int)UInt128.LeadingZeroCount(width);
        UInt128 mask = bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1;
        // Batches of 1024 draws: the CSPRNG's per-call overhead dominates small fills.
        const int Batch = 1024;
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * Batch);
        Span<byte> buf = rented.AsSpan(0, 16 * Batch);
        try
        {
            int filled = 0;
            while (filled < result.Length)
            {
                source.Fill(buf);
                for (int i = 0; i < Batch && filled < result.Length; i++)
                {
                    UInt128 r = BinaryPrimitives.ReadUInt128LittleEndian(buf.Slice(i * 16, 16)) & mask;
                    if (r < width)
                    {
                        result[filled++] = (Int128)r - (Int128)bound;
                    }
                }
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buf);
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Adds the wide integers into every prime of a polynomial.</summary>
    public static void AddInto(RingQ ring, ReadOnlySpan<Int128> values, Poly target)
    {
        for (int l = 0; l < ring.Levels; l++)
        {
            Modulus m = ring.Moduli[l];
            ulong q = m.Value;
            Span<ulong> r = target.Level(l);
            for (int i = 0; i < r.Length; i++)
            {
                Int128 v = values[i];
                UInt128 mag = v < 0 ? (UInt128)(-v) : (UInt128)v;
                ulong red = m.Reduce128((ulong)(mag >> 64), (ulong)mag);
                // Negative values contribute q − red (0 stays 0).
                ulong signed = v < 0 ? (red == 0 ? 0 : q - red) : red;
                ulong s = r[i] + signed;
                r[i] = s >= q ? s - q : s;
            }
        }
    }

    internal static int BitLength(UInt128 v) => 128 - (int)UInt128.LeadingZeroCount(v);

    internal static BigInteger ToBig(UInt128 v) => (BigInteger)v;
}
