using System.Buffers.Binary;
using System.Numerics;

namespace Federated.Crypto.Ring;

/// <summary>Centered binomial errors as in SEAL: popcount of 21 random bits minus popcount of 21 more; variance 10.5, |e| ≤ 21.</summary>
internal static class CenteredBinomialSampler
{
    public const int Bits = 21;
    public const double Variance = Bits / 2.0;
    private const ulong Mask = (1UL << Bits) - 1;

    public static void Sample(IRandomSource source, Span<long> result)
    {
        // One CSPRNG call per 1024 samples: per-call overhead, not bytes, dominated with small buffers.
        const int Batch = 1024;
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(Batch * 8);
        Span<byte> buf = rented.AsSpan(0, Batch * 8);
        try
        {
            for (int start = 0; start < result.Length; start += Batch)
            {
                int count = Math.Min(Batch, result.Length - start);
                source.Fill(buf[..(count * 8)]);
                for (int i = 0; i < count; i++)
                {
                    ulong x = BinaryPrimitives.ReadUInt64LittleEndian(buf.Slice(i * 8, 8));
                    result[start + i] = BitOperations.PopCount(x & Mask) - BitOperations.PopCount((x >> Bits) & Mask);
                }
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buf);
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
