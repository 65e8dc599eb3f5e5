using System.Numerics;
using System.Runtime.CompilerServices;

namespace Federated.Crypto.Ring;

/// <summary>
/// An NTT-friendly prime below 2^62 with the constants its hot loops need.
/// The 2^62 ceiling is what lets Harvey's butterflies keep values lazily in [0, 4q) without overflow.
/// </summary>
internal sealed class Modulus
{
    public Modulus(ulong value)
    {
        if (value < 3 || value >= 1UL << 62)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A modulus must lie in [3, 2^62).");
        }

        Value = value;
        BitLength = 64 - BitOperations.LeadingZeroCount(value);
        UInt128 ratio = UInt128.MaxValue / value;
        // floor(2^128 / q): for q not a power of two this equals floor((2^128 - 1) / q).
        RatioHi = (ulong)(ratio >> 64);
        RatioLo = (ulong)ratio;
    }

    public ulong Value { get; }

    public int BitLength { get; }

    internal ulong RatioHi { get; }

    internal ulong RatioLo { get; }

    /// <summary>Reduces a 128-bit product hi:lo modulo q (Barrett with floor(2^128/q)); result in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce128(ulong hi, ulong lo)
    {
        // Estimate floor(x * ratio / 2^128) from the three partial products that reach the top word.
        ulong carry = Math.BigMul(lo, RatioLo, out _);
        ulong t2hi = Math.BigMul(lo, RatioHi, out ulong t2lo);
        ulong tmp1 = t2lo + carry;
        ulong tmp3 = t2hi + (tmp1 < carry ? 1UL : 0UL);
        ulong p3hi = Math.BigMul(hi, RatioLo, out ulong p3lo);
        ulong sum = tmp1 + p3lo;
        ulong carry2 = p3hi + (sum < tmp1 ? 1UL : 0UL);
        ulong quotient = hi * RatioHi + tmp3 + carry2;
        ulong r = lo - quotient * Value;
        return r >= Value ? r - Value : r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Mul(ulong a, ulong b)
    {
        ulong hi = Math.BigMul(a, b, out ulong lo);
        return Reduce128(hi, lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b)
    {
        ulong s = a + b;
        return s >= Value ? s - Value : s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Sub(ulong a, ulong b) => a >= b ? a - b : a + Value - b;

    /// <summary>floor(w * 2^64 / q), the Shoup companion of a fixed multiplicand w &lt; q.</summary>
    public ulong Shoup(ulong w) => (ulong)(((UInt128)w << 64) / Value);

    /// <summary>x * w mod q in [0, 2q) for any 64-bit x, given w &lt; q and its Shoup companion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulShoupLazy(ulong x, ulong w, ulong wShoup, ulong q)
    {
        ulong estimate = Math.BigMul(x, wShoup, out _);
        return x * w - estimate * q;
    }

    /// <summary>
    /// x − m if x ≥ m else x, for x &lt; 2m ≤ 2^63, without a branch: on random residues a branch mispredicts half the
    /// time, which cost more than the arithmetic in the NTT and in additions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CondSub(ulong x, ulong m)
    {
        ulong t = x - m;
        return t + (m & (ulong)((long)t >> 63));
    }

    public ulong Pow(ulong b, ulong e)
    {
        ulong result = 1;
        b %= Value;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = Mul(result, b);
            }

            b = Mul(b, b);
            e >>= 1;
        }

        return result;
    }

    /// <summary>Inverse modulo the prime q (Fermat).</summary>
    public ulong Inverse(ulong a)
    {
        a %= Value;
        if (a == 0)
        {
            throw new ArgumentException("Zero has no inverse.", nameof(a));
        }

        return Pow(a, Value - 2);
    }

    /// <summary>Reduces a signed 128-bit integer into [0, q).</summary>
    public ulong ReduceSigned(Int128 x)
    {
        if (x >= 0)
        {
            return (ulong)((UInt128)x % Value);
        }

        ulong r = (ulong)((UInt128)(-x) % Value);
        return r == 0 ? 0 : Value - r;
    }

    /// <summary>Deterministic Miller–Rabin for 64-bit integers (the first 12 primes are a complete witness set).</summary>
    public static bool IsPrime(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        ReadOnlySpan<ulong> witnesses = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
        foreach (ulong p in witnesses)
        {
            if (n % p == 0)
            {
                return n == p;
            }
        }

        ulong d = n - 1;
        int r = BitOperations.TrailingZeroCount(d);
        d >>= r;
        foreach (ulong a in witnesses)
        {
            ulong x = PowMod(a, d, n);
            if (x == 1 || x == n - 1)
            {
                continue;
            }

            bool composite = true;
            for (int i = 1; i < r; i++)
            {
                x = (ulong)((UInt128)x * x % n);
                if (x == n - 1)
                {
                    composite = false;
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    private static ulong PowMod(ulong b, ulong e, ulong n)
    {
        ulong result = 1;
        b %= n;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = (ulong)((UInt128)result * b % n);
            }

            b = (ulong)((UInt128)b * b % n);
            e >>= 1;
        }

        return result;
    }

    /// <summary>
    /// The smallest primitive 2N-th root of unity ψ (ψ^N = −1), searched over g^((q−1)/2N) for g = 2, 3, …
    /// and then minimised over the odd powers of the first one found, so the table is canonical.
    /// </summary>
    public ulong MinimalPrimitiveRoot(int twoN)
    {
        ulong order = (ulong)twoN;
        if ((Value - 1) % order != 0)
        {
            throw new ArgumentException($"q = {Value} is not 1 mod {twoN}.", nameof(twoN));
        }

        ulong cofactor = (Value - 1) / order;
        ulong root = 0;
        for (ulong g = 2; g < Value; g++)
        {
            ulong candidate = Pow(g, cofactor);
            if (Pow(candidate, order / 2) == Value - 1)
            {
                root = candidate;
                break;
            }
        }

        // Every primitive 2N-th root is root^k for odd k; pick the smallest.
        ulong best = root;
        ulong square = Mul(root, root);
        ulong current = root;
        for (int k = 3; k < twoN; k += 2)
        {
            current = Mul(current, square);
            if (current < best)
            {
                best = current;
            }
        }

        return best;
    }
}
