using System.Numerics;
using System.Runtime.Intrinsics;

namespace Federated.Crypto.Ring;

/// <summary>The ring Z_Q[X]/(X^N + 1) with Q a product of NTT-friendly primes: arithmetic on <see cref="Poly"/>.</summary>
internal sealed unsafe class RingQ
{
    public RingQ(int n, ReadOnlySpan<ulong> primes)
    {
        if (n < 2 || !BitOperations.IsPow2(n))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "N must be a power of two ≥ 2.");
        }

        N = n;
        Moduli = new Modulus[primes.Length];
        Ntt = new NttTable[primes.Length];
        for (int i = 0; i < primes.Length; i++)
        {
            Moduli[i] = new Modulus(primes[i]);
            Ntt[i] = new NttTable(Moduli[i], n);
        }
    }

    public int N { get; }

    public int Levels => Moduli.Length;

    public Modulus[] Moduli { get; }

    public NttTable[] Ntt { get; }

    public Poly NewPoly() => new(N, Levels);

    public void Forward(Poly p)
    {
        for (int l = 0; l < Levels; l++)
        {
            Ntt[l].Forward(p.Level(l));
        }
    }

    public void Inverse(Poly p)
    {
        for (int l = 0; l < Levels; l++)
        {
            Ntt[l].Inverse(p.Level(l));
        }
    }

    /// <summary>a += b, both reduced.</summary>
    public void AddInPlace(Poly a, Poly b)
    {
        for (int l = 0; l < Levels; l++)
        {
            AddInPlace(a.Level(l), b.Level(l), Moduli[l].Value);
        }
    }

    public static void AddInPlace(Span<ulong> a, ReadOnlySpan<ulong> b, ulong q)
    {
        fixed (ulong* pa = a)
        fixed (ulong* pb = b)
        {
            int n = a.Length;
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<ulong> vq = Vector512.Create(q);
                for (; i + 8 <= n; i += 8)
                {
                    Vector512<ulong> s = Vector512.Load(pa + i) + Vector512.Load(pb + i);
                    Vector512.Min(s, s - vq).Store(pa + i);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Vector256<ulong> vq = Vector256.Create(q);
                for (; i + 4 <= n; i += 4)
                {
                    // Unsigned min of s and s − q picks s − q exactly when it did not wrap.
                    Vector256<ulong> s = Vector256.Load(pa + i) + Vector256.Load(pb + i);
                    Vector256.Min(s, s - vq).Store(pa + i);
                }
            }

            for (; i < n; i++)
            {
                pa[i] = Modulus.CondSub(pa[i] + pb[i], q);
            }
        }
    }

    public void SubInPlace(Poly a, Poly b)
    {
        for (int l = 0; l < Levels; l++)
        {
            Span<ulong> x = a.Level(l);
            ReadOnlySpan<ulong> y = b.Level(l);
            ulong q = Moduli[l].Value;
            for (int i = 0; i < x.Length; i++)
            {
                ulong v = x[i];
                ulong w = y[i];
                x[i] = v >= w ? v - w : v + q - w;
            }
        }
    }

    public void NegInPlace(Poly a)
    {
        for (int l = 0; l < Levels; l++)
        {
            Span<ulong> x = a.Level(l);
            ulong q = Moduli[l].Value;
            for (int i = 0; i < x.Length; i++)
            {
                ulong v = x[i];
                x[i] = v == 0 ? 0 : q - v;
            }
        }
    }

    /// <summary>result = a ⊙ b (pointwise, NTT form), general operands, Barrett reduction.</summary>
    public void MulCoeffs(Poly a, Poly b, Poly result)
    {
        for (int l = 0; l < Levels; l++)
        {
            Modulus m = Moduli[l];
            ReadOnlySpan<ulong> x = a.Level(l);
            ReadOnlySpan<ulong> y = b.Level(l);
            Span<ulong> r = result.Level(l);
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = m.Mul(x[i], y[i]);
            }
        }
    }

    /// <summary>result = a ⊙ w (pointwise, NTT form) for a fixed multiplicand with Shoup quotients; output in [0, q).</summary>
    public void MulCoeffsShoup(Poly a, ShoupPoly w, Poly result)
    {
        for (int l = 0; l < Levels; l++)
        {
            ulong q = Moduli[l].Value;
            int off = l * N;
            fixed (ulong* pa = &a.Coeffs[off])
            fixed (ulong* pw = &w.Value.Coeffs[off])
            fixed (ulong* ps = &w.Quotients[off])
            fixed (ulong* pr = &result.Coeffs[off])
            {
                for (int i = 0; i < N; i++)
                {
                    pr[i] = Modulus.CondSub(Modulus.MulShoupLazy(pa[i], pw[i], ps[i], q), q);
                }
            }
        }
    }

    /// <summary>Multiplies level l by a per-prime scalar (e.g. a Lagrange coefficient) in place.</summary>
    public void MulScalarInPlace(Poly a, ReadOnlySpan<ulong> scalarPerLevel)
    {
        for (int l = 0; l < Levels; l++)
        {
            Modulus m = Moduli[l];
            ulong s = scalarPerLevel[l] % m.Value;
            ulong sh = m.Shoup(s);
            Span<ulong> x = a.Level(l);
            for (int i = 0; i < x.Length; i++)
            {
                ulong v = Modulus.MulShoupLazy(x[i], s, sh, m.Value);
                x[i] = v >= m.Value ? v - m.Value : v;
            }
        }
    }

    /// <summary>Writes one small signed integer vector into every prime (small polynomials are not sampled per prime).</summary>
    public void SetSmall(ReadOnlySpan<long> values, Poly result)
    {
        for (int l = 0; l < Levels; l++)
        {
            ulong q = Moduli[l].Value;
            Span<ulong> r = result.Level(l);
            for (int i = 0; i < r.Length; i++)
            {
                long v = values[i];
                // Branch-free: add q exactly when v is negative (|v| < q is the caller's contract).
                r[i] = (ulong)v + (q & (ulong)(v >> 63));
            }
        }
    }

    /// <summary>Adds one small signed integer vector into every prime.</summary>
    public void AddSmallInPlace(Poly a, ReadOnlySpan<long> values)
    {
        for (int l = 0; l < Levels; l++)
        {
            ulong q = Moduli[l].Value;
            Span<ulong> r = a.Level(l);
            for (int i = 0; i < r.Length; i++)
            {
                long v = values[i];
                r[i] = Modulus.CondSub(r[i] + (ulong)v + (q & (ulong)(v >> 63)), q);
            }
        }
    }
}
