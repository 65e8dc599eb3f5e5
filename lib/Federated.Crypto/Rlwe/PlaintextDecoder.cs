using System.Numerics;
using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>
/// CRT decoding of a decrypted polynomial (2^g·ΣM + noise) to exact integers: reconstruct the centered residue in
/// (−Q/2, Q/2), then round away the g guard bits. Two primes use UInt128 arithmetic; more primes use BigInteger.
/// </summary>
internal static class PlaintextDecoder
{
    public static void Decode(HeParameters p, Poly plain, Span<long> result)
    {
        int n = p.N;
        int g = p.GuardBits;
        RingQ ring = p.Ring;
        switch (ring.Levels)
        {
            case 1:
            {
                ulong q = ring.Moduli[0].Value;
                ReadOnlySpan<ulong> r0 = plain.Level(0);
                for (int i = 0; i < n; i++)
                {
                    long x = r0[i] > q / 2 ? (long)r0[i] - (long)q : (long)r0[i];
                    result[i] = (long)(((Int128)x + (Int128.One << (g - 1))) >> g);
                }

                break;
            }

            case 2:
            {
                Modulus m1 = ring.Moduli[1];
                ulong q0 = ring.Moduli[0].Value;
                ulong q1 = m1.Value;
                UInt128 bigQ = (UInt128)q0 * q1;
                UInt128 half = bigQ >> 1;
                ulong inv = p.CrtInverse;
                ulong invShoup = m1.Shoup(inv);
                Int128 bias = Int128.One << (g - 1);
                ReadOnlySpan<ulong> r0 = plain.Level(0);
                ReadOnlySpan<ulong> r1 = plain.Level(1);
                for (int i = 0; i < n; i++)
                {
                    ulong a = r0[i];
                    ulong a1 = a >= q1 ? a - q1 : a;
                    ulong d = r1[i] >= a1 ? r1[i] - a1 : r1[i] + q1 - a1;
                    ulong t = Modulus.MulShoupLazy(d, inv, invShoup, q1);
                    t = t >= q1 ? t - q1 : t;
                    UInt128 x = ((UInt128)q0 * t) + a;
                    Int128 centered = x > half ? (Int128)x - (Int128)bigQ : (Int128)x;
                    result[i] = (long)((centered + bias) >> g);
                }

                break;
            }

            default:
            {
                BigInteger half = p.Q >> 1;
                BigInteger bias = BigInteger.One << (g - 1);
                for (int i = 0; i < n; i++)
                {
                    BigInteger x = Centered(p, plain, i, half);
                    result[i] = (long)((x + bias) >> g);
                }

                break;
            }
        }
    }

    /// <summary>The centered representative of coefficient <paramref name="i"/> (Garner's mixed radix).</summary>
    public static BigInteger Centered(HeParameters p, Poly plain, int i) => Centered(p, plain, i, p.Q >> 1);

    private static BigInteger Centered(HeParameters p, Poly plain, int i, BigInteger half)
    {
        RingQ ring = p.Ring;
        int n = p.N;
        BigInteger x = plain.Coeffs[i];
        BigInteger prod = ring.Moduli[0].Value;
        for (int l = 1; l < ring.Levels; l++)
        {
            Modulus m = ring.Moduli[l];
            ulong xl = (ulong)(x % m.Value);
            ulong d = m.Sub(plain.Coeffs[(l * n) + i], xl);
            ulong inv = m.Inverse((ulong)(prod % m.Value));
            x += prod * m.Mul(d, inv);
            prod *= m.Value;
        }

        return x > half ? x - p.Q : x;
    }
}

/// <summary>The decrypted sum of a round: exact sums of the quantised inputs and their real values.</summary>
public sealed class DecodedVector
{
    internal DecodedVector(HeParameters p, long[] rawSums, long companion, int contributors, ulong round)
    {
        RawSums = rawSums;
        Companion = companion;
        Contributors = contributors;
        Round = round;
        _values = new double[rawSums.Length];
        for (int i = 0; i < rawSums.Length; i++)
        {
            _values[i] = FixedPointEncoder.Dequantize(p, rawSums[i]);
        }
    }

    private readonly double[] _values;

    /// <summary>Σ of the quantised inputs, divided by 2^f.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>Σ of the quantised inputs as exact integers (round(x·2^f) per party).</summary>
    public IReadOnlyList<long> RawSums { get; }

    /// <summary>Σ of the companion scalars (e.g. the total sample count).</summary>
    public long Companion { get; }

    public int Contributors { get; }

    public ulong Round { get; }

    /// <summary>A copy of <see cref="Values"/> as an array.</summary>
    public double[] ToArray() => (double[])_values.Clone();
}
