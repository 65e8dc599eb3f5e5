namespace Federated.Crypto.Ring;

/// <summary>
/// A polynomial of R_Q in RNS form: one residue array of N coefficients per prime, stored contiguously
/// (prime i occupies [i·N, (i+1)·N)). Whether it holds coefficients or NTT evaluations is the caller's bookkeeping.
/// </summary>
internal sealed class Poly
{
    public Poly(int n, int levels)
    {
        N = n;
        Levels = levels;
        Coeffs = new ulong[n * levels];
    }

    public int N { get; }

    public int Levels { get; }

    public ulong[] Coeffs { get; }

    public Span<ulong> Level(int i) => Coeffs.AsSpan(i * N, N);

    public Poly Clone()
    {
        var p = new Poly(N, Levels);
        Coeffs.CopyTo(p.Coeffs, 0);
        return p;
    }

    public void Clear() => Array.Clear(Coeffs);

    /// <summary>Overwrites with zeros in a way the JIT cannot elide; for secrets.</summary>
    public void Wipe() => System.Security.Cryptography.CryptographicOperations.ZeroMemory(
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(Coeffs.AsSpan()));
}

/// <summary>A fixed multiplicand in NTT form with its Shoup quotients, so products with it cost two multiplications.</summary>
internal sealed class ShoupPoly
{
    public ShoupPoly(RingQ ring, Poly value)
    {
        Value = value;
        Quotients = new ulong[value.Coeffs.Length];
        for (int l = 0; l < value.Levels; l++)
        {
            Modulus m = ring.Moduli[l];
            Span<ulong> v = value.Level(l);
            Span<ulong> qv = Quotients.AsSpan(l * value.N, value.N);
            for (int i = 0; i < v.Length; i++)
            {
                qv[i] = m.Shoup(v[i]);
            }
        }
    }

    public Poly Value { get; }

    public ulong[] Quotients { get; }

    public void Wipe()
    {
        Value.Wipe();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(Quotients.AsSpan()));
    }
}
