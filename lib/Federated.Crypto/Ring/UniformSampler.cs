using System.Buffers;
using System.Buffers.Binary;

namespace Federated.Crypto.Ring;

/// <summary>
/// Uniform polynomials of R_Q, sampled independently per prime. Each coefficient reads 8 little-endian bytes,
/// masks them to the bit length of q and rejects values ≥ q: no modulo bias.
/// </summary>
internal static class UniformSampler
{
    public static void Sample(RingQ ring, IRandomSource source, Poly result)
    {
        const int Chunk = 512;
        byte[] rented = ArrayPool<byte>.Shared.Rent(Chunk * 8);
        try
        {
            Span<byte> buf = rented.AsSpan(0, Chunk * 8);
            for (int l = 0; l < ring.Levels; l++)
            {
                ulong q = ring.Moduli[l].Value;
                ulong mask = ring.Moduli[l].BitLength == 64 ? ulong.MaxValue : (1UL << ring.Moduli[l].BitLength) - 1;
                Span<ulong> r = result.Level(l);
                int filled = 0;
                while (filled < r.Length)
                {
                    int want = Math.Min(Chunk, r.Length - filled);
                    Span<byte> bytes = buf[..(want * 8)];
                    source.Fill(bytes);
                    for (int i = 0; i < want && filled < r.Length; i++)
                    {
                        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(i * 8, 8)) & mask;
                        if (v < q)
                        {
                            r[filled++] = v;
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }
}
