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
        Span<byte> buf = stackalloc byte[512];
        try
        {
            for (int start = 0; start < result.Length; start += 64)
            {
                int count = Math.Min(64, result.Length - start);
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
        }
    }
}
