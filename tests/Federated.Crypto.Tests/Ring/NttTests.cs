using Federated.Crypto.Ring;

namespace Federated.Crypto.Tests.Ring;

public class NttTests
{
    [Fact]
    public void Forward_SealKnownAnswer_N2()
    {
        var m = new Modulus(0xffffffffffc0001UL);
        var t = new NttTable(m, 2);
        Assert.Equal(288794978602139552UL, t.Psi);
        ulong[] a = [1, 1];
        t.Forward(a);
        Assert.Equal([288794978602139553UL, 864126526004445282UL], a);
    }

    [Fact]
    public void Forward_NoteKnownAnswer_N8_MatchesDirectEvaluation()
    {
        var m = new Modulus(0xfffffffffffc001UL);
        var t = new NttTable(m, 8);
        Assert.Equal(64770462138302629UL, t.Psi);
        ulong[] expected =
        [
            640923251500318571, 935322438206805669, 116710684105007110, 993904356501574417,
            50580861646377487, 56093866481868809, 975651310448240199, 842499249537130118,
        ];

        // Slot j holds a(ψ^(2·bitrev(j)+1)): evaluate the polynomial 1 + 2X + … + 8X^7 directly.
        for (int j = 0; j < 8; j++)
        {
            ulong x = m.Pow(t.Psi, (ulong)((2 * NttTable.BitReverse(j, 3)) + 1));
            ulong acc = 0;
            for (int k = 7; k >= 0; k--)
            {
                acc = m.Add(m.Mul(acc, x), (ulong)(k + 1));
            }

            Assert.Equal(expected[j], acc);
        }

        ulong[] a = [1, 2, 3, 4, 5, 6, 7, 8];
        t.Forward(a);
        Assert.Equal(expected, a);
    }

    public static TheoryData<int, ulong> Sizes() => new()
    {
        { 2, TestSupport.Q0 },
        { 16, TestSupport.Q1 },
        { 64, TestSupport.Q2 },
        { 256, TestSupport.Q0 },
        { 1024, TestSupport.Q1 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Multiply_ViaNtt_EqualsSchoolbookNegacyclic(int n, ulong q)
    {
        var m = new Modulus(q);
        var t = new NttTable(m, n);
        var rng = new Random(n);
        ulong[] a = RandomPoly(rng, n, q);
        ulong[] b = RandomPoly(rng, n, q);
        ulong[] expected = Schoolbook(m, a, b);

        ulong[] fa = (ulong[])a.Clone();
        ulong[] fb = (ulong[])b.Clone();
        t.Forward(fa);
        t.Forward(fb);
        for (int i = 0; i < n; i++)
        {
            fa[i] = m.Mul(fa[i], fb[i]);
        }

        t.Inverse(fa);
        Assert.Equal(expected, fa);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Inverse_AfterForward_IsIdentity(int n, ulong q)
    {
        var t = new NttTable(new Modulus(q), n);
        ulong[] a = RandomPoly(new Random(n + 1), n, q);
        ulong[] b = (ulong[])a.Clone();
        t.Forward(b);
        Assert.NotEqual(a, b);
        t.Inverse(b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Forward_AllCoefficientsQMinus1_MatchesSchoolbookAndRoundTrips()
    {
        const int N = 8192;
        ulong q = TestSupport.Q0;
        var m = new Modulus(q);
        var t = new NttTable(m, N);
        ulong[] a = Enumerable.Repeat(q - 1, N).ToArray();
        ulong[] f = (ulong[])a.Clone();
        t.Forward(f);
        Assert.All(f, v => Assert.True(v < q));
        // (q−1)·Σ X^k evaluated at ψ^(2·bitrev(j)+1) for one slot, checked directly.
        ulong x = m.Pow(t.Psi, 1);
        ulong acc = 0;
        for (int k = N - 1; k >= 0; k--)
        {
            acc = m.Add(m.Mul(acc, x), q - 1);
        }

        Assert.Equal(acc, f[0]);
        t.Inverse(f);
        Assert.Equal(a, f);
    }

    [Fact]
    public void Multiply_XTimesXToTheNMinus1_IsMinusOne()
    {
        const int N = 256;
        ulong q = TestSupport.Q1;
        var m = new Modulus(q);
        var t = new NttTable(m, N);
        ulong[] a = new ulong[N];
        ulong[] b = new ulong[N];
        a[1] = 1;
        b[N - 1] = 1;
        t.Forward(a);
        t.Forward(b);
        for (int i = 0; i < N; i++)
        {
            a[i] = m.Mul(a[i], b[i]);
        }

        t.Inverse(a);
        Assert.Equal(q - 1, a[0]);
        Assert.All(a.Skip(1), v => Assert.Equal(0UL, v));
    }

    [Fact]
    public void Barrett_Reduce128_MatchesUInt128Remainder()
    {
        var rng = new Random(5);
        foreach (ulong q in new[] { TestSupport.Q0, TestSupport.Q1, 0xffffffffffc0001UL, 3UL, (1UL << 61) - 1 })
        {
            var m = new Modulus(q);
            for (int i = 0; i < 20000; i++)
            {
                ulong hi = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63);
                ulong lo = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63);
                if (i % 3 == 0)
                {
                    hi %= q;
                }

                UInt128 x = ((UInt128)hi << 64) | lo;
                Assert.Equal((ulong)(x % q), m.Reduce128(hi, lo));
            }

            Assert.Equal((ulong)(UInt128.MaxValue % q), m.Reduce128(ulong.MaxValue, ulong.MaxValue));
        }
    }

    private static ulong[] RandomPoly(Random rng, int n, ulong q)
    {
        var a = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = i % 7 == 0 ? q - 1 : (ulong)rng.NextInt64((long)q);
        }

        return a;
    }

    private static ulong[] Schoolbook(Modulus m, ulong[] a, ulong[] b)
    {
        int n = a.Length;
        var r = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                ulong p = m.Mul(a[i], b[j]);
                int k = i + j;
                r[k % n] = k < n ? m.Add(r[k], p) : m.Sub(r[k - n], p);
            }
        }

        return r;
    }
}
