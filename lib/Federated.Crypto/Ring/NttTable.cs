using System.Buffers.Binary;
using System.Numerics;

namespace Federated.Crypto.Ring;

/// <summary>
/// Negacyclic NTT over Z_q[X]/(X^N + 1) with the ψ twist folded into bit-reversed twiddles
/// (Cooley–Tukey forward, Gentleman–Sande inverse), Harvey's lazy reduction and Shoup quotients.
/// Output of <see cref="Forward"/> is in bit-reversed order: slot j holds a(ψ^(2·bitrev(j)+1)).
/// </summary>
internal sealed unsafe class NttTable
{
    private readonly ulong[] _psi;
    private readonly ulong[] _psiShoup;
    private readonly ulong[] _psiInv;
    private readonly ulong[] _psiInvShoup;
    private readonly ulong _nInv;
    private readonly ulong _nInvShoup;
    private readonly ulong _lastInv;
    private readonly ulong _lastInvShoup;

    public NttTable(Modulus modulus, int n)
    {
        if (n < 2 || !BitOperations.IsPow2(n))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "N must be a power of two ≥ 2.");
        }

        Modulus = modulus;
        N = n;
        int logN = BitOperations.Log2((uint)n);
        Psi = modulus.MinimalPrimitiveRoot(2 * n);
        ulong psiInv = modulus.Inverse(Psi);

        _psi = new ulong[n];
        _psiShoup = new ulong[n];
        _psiInv = new ulong[n];
        _psiInvShoup = new ulong[n];
        ulong power = 1;
        ulong powerInv = 1;
        for (int i = 0; i < n; i++)
        {
            int rev = BitReverse(i, logN);
            _psi[rev] = power;
            _psiInv[rev] = powerInv;
            power = modulus.Mul(power, Psi);
            powerInv = modulus.Mul(powerInv, psiInv);
        }

        for (int i = 0; i < n; i++)
        {
            _psiShoup[i] = modulus.Shoup(_psi[i]);
            _psiInvShoup[i] = modulus.Shoup(_psiInv[i]);
        }

        _nInv = modulus.Inverse((ulong)n);
        _nInvShoup = modulus.Shoup(_nInv);
        // The last inverse stage multiplies by ψ^-bitrev(1) and by N^-1 at once.
        _lastInv = modulus.Mul(_psiInv[1], _nInv);
        _lastInvShoup = modulus.Shoup(_lastInv);
    }

    public Modulus Modulus { get; }

    public int N { get; }

    public ulong Psi { get; }

    internal static int BitReverse(int x, int bits) => bits == 0 ? 0 : (int)(ReverseBits32((uint)x) >> (32 - bits));

    private static uint ReverseBits32(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        return BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>In-place forward transform; input in [0, 4q) (normally [0, q)), output in [0, q).</summary>
    public void Forward(Span<ulong> a)
    {
        if (a.Length != N)
        {
            throw new ArgumentException($"Expected {N} coefficients, got {a.Length}.", nameof(a));
        }

        ulong q = Modulus.Value;
        ulong twoQ = q << 1;
        int n = N;
        fixed (ulong* p = a)
        fixed (ulong* w = _psi)
        fixed (ulong* ws = _psiShoup)
        {
            int t = n;
            for (int m = 1; m < n; m <<= 1)
            {
                t >>= 1;
                if (t >= 4)
                {
                    for (int i = 0; i < m; i++)
                    {
                        ulong wv = w[m + i];
                        ulong wsv = ws[m + i];
                        ulong* x = p + (2 * i * t);
                        ulong* y = x + t;
                        for (int j = 0; j < t; j += 4)
                        {
                            Butterfly(x + j, y + j, wv, wsv, q, twoQ);
                            Butterfly(x + j + 1, y + j + 1, wv, wsv, q, twoQ);
                            Butterfly(x + j + 2, y + j + 2, wv, wsv, q, twoQ);
                            Butterfly(x + j + 3, y + j + 3, wv, wsv, q, twoQ);
                        }
                    }
                }
                else
                {
                    for (int i = 0; i < m; i++)
                    {
                        ulong wv = w[m + i];
                        ulong wsv = ws[m + i];
                        ulong* x = p + (2 * i * t);
                        ulong* y = x + t;
                        for (int j = 0; j < t; j++)
                        {
                            Butterfly(x + j, y + j, wv, wsv, q, twoQ);
                        }
                    }
                }
            }

            for (int i = 0; i < n; i++)
            {
                p[i] = Modulus.CondSub(Modulus.CondSub(p[i], twoQ), q);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ulong* xp, ulong* yp, ulong w, ulong ws, ulong q, ulong twoQ)
    {
        ulong x = Modulus.CondSub(*xp, twoQ);
        ulong t = Modulus.MulShoupLazy(*yp, w, ws, q);
        *xp = x + t;
        *yp = x - t + twoQ;
    }

    /// <summary>In-place inverse transform (N^-1 included); input in [0, 2q), output in [0, q).</summary>
    public void Inverse(Span<ulong> a)
    {
        if (a.Length != N)
        {
            throw new ArgumentException($"Expected {N} coefficients, got {a.Length}.", nameof(a));
        }

        ulong q = Modulus.Value;
        ulong twoQ = q << 1;
        int n = N;
        fixed (ulong* p = a)
        fixed (ulong* w = _psiInv)
        fixed (ulong* ws = _psiInvShoup)
        {
            int t = 1;
            for (int m = n; m > 2; m >>= 1)
            {
                int h = m >> 1;
                if (t >= 4)
                {
                    for (int i = 0; i < h; i++)
                    {
                        ulong wv = w[h + i];
                        ulong wsv = ws[h + i];
                        ulong* x = p + (2 * i * t);
                        ulong* y = x + t;
                        for (int j = 0; j < t; j += 4)
                        {
                            InvButterfly(x + j, y + j, wv, wsv, q, twoQ);
                            InvButterfly(x + j + 1, y + j + 1, wv, wsv, q, twoQ);
                            InvButterfly(x + j + 2, y + j + 2, wv, wsv, q, twoQ);
                            InvButterfly(x + j + 3, y + j + 3, wv, wsv, q, twoQ);
                        }
                    }
                }
                else
                {
                    for (int i = 0; i < h; i++)
                    {
                        ulong wv = w[h + i];
                        ulong wsv = ws[h + i];
                        ulong* x = p + (2 * i * t);
                        ulong* y = x + t;
                        for (int j = 0; j < t; j++)
                        {
                            InvButterfly(x + j, y + j, wv, wsv, q, twoQ);
                        }
                    }
                }

                t <<= 1;
            }

            // Last stage (m = 2) fused with the multiplication by N^-1.
            {
                ulong* x = p;
                ulong* y = p + t;
                ulong ni = _nInv;
                ulong nis = _nInvShoup;
                ulong li = _lastInv;
                ulong lis = _lastInvShoup;
                for (int j = 0; j < t; j++)
                {
                    ulong u = x[j];
                    ulong v = y[j];
                    ulong s = Modulus.MulShoupLazy(u + v, ni, nis, q);
                    ulong d = Modulus.MulShoupLazy(u - v + twoQ, li, lis, q);
                    x[j] = Modulus.CondSub(s, q);
                    y[j] = Modulus.CondSub(d, q);
                }
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void InvButterfly(ulong* xp, ulong* yp, ulong w, ulong ws, ulong q, ulong twoQ)
    {
        ulong x = *xp;
        ulong y = *yp;
        *xp = Modulus.CondSub(x + y, twoQ);
        *yp = Modulus.MulShoupLazy(x - y + twoQ, w, ws, q);
    }
}
