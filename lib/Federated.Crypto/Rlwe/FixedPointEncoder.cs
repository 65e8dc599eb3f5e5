using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>
/// Fixed-point coefficient encoding. Value j of a vector goes to global slot j + 1 (slot 0 carries the integer
/// companion scalar, e.g. a sample count), slot s to coefficient s mod N of ciphertext s / N.
/// A value x becomes M = round(x · 2^f) after clipping to ±X_max, and is stored as M · 2^g.
/// Because the parameters bound P · X_max · 2^f · 2^g below Q/2, sums of up to P_max vectors decode EXACTLY.
/// </summary>
public static class FixedPointEncoder
{
    /// <summary>The integer a value is encoded as: round-half-even(clip(x) · 2^f).</summary>
    public static long Quantize(HeParameters parameters, double x)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (double.IsNaN(x))
        {
            throw new ArgumentException("NaN cannot be encoded.", nameof(x));
        }

        double clipped = Math.Clamp(x, -parameters.MaxAbsValue, parameters.MaxAbsValue);
        double scaled = Math.Round(Math.ScaleB(clipped, parameters.FractionalBits), MidpointRounding.ToEven);
        long m = (long)scaled;
        return Math.Clamp(m, -parameters.MaxEncodedMagnitude, parameters.MaxEncodedMagnitude);
    }

    /// <summary>The real value a (summed) encoded integer stands for.</summary>
    public static double Dequantize(HeParameters parameters, long m)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Math.ScaleB(m, -parameters.FractionalBits);
    }

    /// <summary>Integers of chunk <paramref name="chunk"/>; slots past the end are zero.</summary>
    internal static void EncodeChunk(HeParameters p, ReadOnlySpan<double> values, long companion, int chunk, Span<long> m)
    {
        int n = p.N;
        long start = (long)chunk * n;
        for (int i = 0; i < n; i++)
        {
            long slot = start + i;
            m[i] = slot == 0 ? companion : slot - 1 < values.Length ? Quantize(p, values[(int)(slot - 1)]) : 0;
        }
    }

    internal static void EncodeChunk(HeParameters p, ReadOnlySpan<float> values, long companion, int chunk, Span<long> m)
    {
        int n = p.N;
        long start = (long)chunk * n;
        for (int i = 0; i < n; i++)
        {
            long slot = start + i;
            m[i] = slot == 0 ? companion : slot - 1 < values.Length ? Quantize(p, values[(int)(slot - 1)]) : 0;
        }
    }

    /// <summary>c0 += e0 + M · 2^g in every prime (fused to touch c0 once).</summary>
    internal static void AddScaledWithError(HeParameters p, Poly c0, ReadOnlySpan<long> m, ReadOnlySpan<long> e0)
    {
        RingQ ring = p.Ring;
        for (int l = 0; l < ring.Levels; l++)
        {
            Modulus mod = ring.Moduli[l];
            ulong q = mod.Value;
            ulong scale = p.GuardScale[l];
            ulong scaleShoup = mod.Shoup(scale);
            Span<ulong> r = c0.Level(l);
            for (int i = 0; i < r.Length; i++)
            {
                long mv = m[i];
                ulong mm = (ulong)mv + (q & (ulong)(mv >> 63));
                ulong enc = Modulus.MulShoupLazy(mm, scale, scaleShoup, q);
                long ev = e0[i];
                ulong s = r[i] + enc + (ulong)ev + (q & (ulong)(ev >> 63));
                // r < q, enc < 2q, e-term < q + 21: s < 4q + 21, so three conditional subtractions of q.
                s = Modulus.CondSub(s, 2 * q);
                s = Modulus.CondSub(s, q);
                r[i] = Modulus.CondSub(s, q);
            }
        }
    }
}
