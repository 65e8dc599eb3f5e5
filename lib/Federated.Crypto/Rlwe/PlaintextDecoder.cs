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
                    // r0 mod q1: one subtraction when q0 < 2·q1 (the shipped sets), a division for a custom set
                    // with q0 ≥ 2·q1 (HeParameters.Create allows any order of primes).
                    ulong a1 = a < q1 ? a : a - q1 < q1 ? a - q1 : a % q1;
                    ulong d = r1[i] >= a1 ? r1[i] - a1 : r1[i] + q1 - a1;
                    ulong t = Modulus.MulShoupLazy(d, inv, invShoup, q1);
                    t = t >= q1 ? t - q1 : t;
                    UInt128 x = ((UInt128)q0 * t) + a;
                    Int128 centered = x > half ? (Int128)x - (Int128)bigQ : (Int128)x;
                    result[i] = (long)((centered + bias) >> g);
                }

                break;
            }

            case 3 when g + 66 <= 192:
                DecodeThree(p, plain, result);
                break;

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

    /// <summary>
    /// Three primes: Garner's mixed radix x = r0 + q0·t1 + q0q1·t2 in 192-bit words, centered by subtracting Q above Q/2,
    /// then offset by 2^(g−1) (rounding) and 2^(g+63) (so the shift works on a non-negative number) and shifted by g.
    /// </summary>
    private static void DecodeThree(HeParameters p, Poly plain, Span<long> result)
    {
        RingQ ring = p.Ring;
        Modulus m1 = ring.Moduli[1];
        Modulus m2 = ring.Moduli[2];
        ulong q0 = ring.Moduli[0].Value;
        ulong q1 = m1.Value;
        ulong q2 = m2.Value;
        ulong inv01 = m1.Inverse(q0 % q1);
        ulong q0mod2 = q0 % q2;
        UInt128 q01 = (UInt128)q0 * q1;
        ulong inv012 = m2.Inverse((ulong)(q01 % q2));
        ulong q01Lo = (ulong)q01;
        ulong q01Hi = (ulong)(q01 >> 64);
        System.Numerics.BigInteger bigQ = p.Q;
        ulong qw0 = (ulong)(bigQ & ulong.MaxValue);
        ulong qw1 = (ulong)((bigQ >> 64) & ulong.MaxValue);
        ulong qw2 = (ulong)(bigQ >> 128);
        System.Numerics.BigInteger half = bigQ >> 1;
        ulong hw0 = (ulong)(half & ulong.MaxValue);
        ulong hw1 = (ulong)((half >> 64) & ulong.MaxValue);
        ulong hw2 = (ulong)(half >> 128);
        int g = p.GuardBits;
        System.Numerics.BigInteger offset = (System.Numerics.BigInteger.One << (g - 1)) + (System.Numerics.BigInteger.One << (g + 63));
        ulong ow0 = (ulong)(offset & ulong.MaxValue);
        ulong ow1 = (ulong)((offset >> 64) & ulong.MaxValue);
        ulong ow2 = (ulong)(offset >> 128);
        int word = g / 64;
        int bit = g % 64;
        ReadOnlySpan<ulong> r0s = plain.Level(0);
        ReadOnlySpan<ulong> r1s = plain.Level(1);
        ReadOnlySpan<ulong> r2s = plain.Level(2);
        for (int i = 0; i < result.Length; i++)
        {
            ulong r0 = r0s[i];
            ulong t1 = m1.Mul(m1.Sub(r1s[i], r0 % q1), inv01);
            ulong partial = m2.Add(r0 % q2, m2.Mul(q0mod2, t1));
            ulong t2 = m2.Mul(m2.Sub(r2s[i], partial), inv012);
            UInt128 x01 = ((UInt128)q0 * t1) + r0;

            // x = x01 + q01·t2 as words (w2:w1:w0).
            ulong h1 = Math.BigMul(q01Lo, t2, out ulong l1);
            ulong h2 = Math.BigMul(q01Hi, t2, out ulong l2);
            ulong w0 = l1;
            ulong w1 = h1 + l2;
            ulong w2 = h2 + (w1 < h1 ? 1UL : 0UL);
            ulong a0 = (ulong)x01;
            ulong a1 = (ulong)(x01 >> 64);
            w0 += a0;
            ulong c = w0 < a0 ? 1UL : 0UL;
            ulong s1 = w1 + a1;
            ulong c1 = s1 < w1 ? 1UL : 0UL;
            w1 = s1 + c;
            c1 += w1 < c ? 1UL : 0UL;
            w2 += c1;

            bool above = w2 > hw2 || (w2 == hw2 && (w1 > hw1 || (w1 == hw1 && w0 > hw0)));
            if (above)
            {
                // x −= Q, wrapping modulo 2^192 into two's complement.
                ulong b0 = w0 < qw0 ? 1UL : 0UL;
                w0 -= qw0;
                ulong n1 = w1 - qw1;
                ulong b1 = w1 < qw1 ? 1UL : 0UL;
                b1 += n1 < b0 ? 1UL : 0UL;
                w1 = n1 - b0;
                w2 = w2 - qw2 - b1;
            }

            // + offset
            w0 += ow0;
            ulong d0 = w0 < ow0 ? 1UL : 0UL;
            ulong e1 = w1 + ow1;
            ulong d1 = e1 < w1 ? 1UL : 0UL;
            w1 = e1 + d0;
            d1 += w1 < d0 ? 1UL : 0UL;
            w2 += ow2 + d1;

            ulong lo = word switch { 0 => w0, 1 => w1, _ => w2 };
            ulong hi = word switch { 0 => w1, 1 => w2, _ => 0 };
            ulong shifted = bit == 0 ? lo : (lo >> bit) | (hi << (64 - bit));
            result[i] = (long)(shifted - (1UL << 63));
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
