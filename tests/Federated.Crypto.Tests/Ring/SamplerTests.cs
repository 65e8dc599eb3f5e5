using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Ring;

public class SamplerTests
{
    private const int Samples = 1 << 18;

    [Fact]
    public void Ternary_ValuesAndMoments()
    {
        long[] v = new long[Samples];
        TernarySampler.Sample(SystemRandomSource.Instance, v);
        Assert.All(v, x => Assert.InRange(x, -1, 1));
        // Each value has probability 1/3: allow 6 standard deviations.
        double sd = Math.Sqrt(Samples * (1.0 / 3) * (2.0 / 3));
        foreach (long k in new long[] { -1, 0, 1 })
        {
            Assert.InRange(v.Count(x => x == k), (Samples / 3.0) - (6 * sd), (Samples / 3.0) + (6 * sd));
        }

        AssertMoments(v.Select(x => (double)x), 0, 2.0 / 3, kurtosis: 1.5);
    }

    [Fact]
    public void CenteredBinomial_BoundAndMoments()
    {
        long[] v = new long[Samples];
        CenteredBinomialSampler.Sample(SystemRandomSource.Instance, v);
        Assert.All(v, x => Assert.InRange(x, -21, 21));
        AssertMoments(v.Select(x => (double)x), 0, 10.5, kurtosis: 3 - (1.0 / 21));
    }

    [Fact]
    public void Smudging_WideBound_StaysInRangeWithUniformMoments()
    {
        UInt128 bound = (UInt128.One << 95) - 12345;
        var v = new Int128[Samples / 4];
        SmudgingSampler.Sample(SystemRandomSource.Instance, bound, v);
        Assert.All(v, x => Assert.True(x >= -(Int128)bound && x <= (Int128)bound));
        double b = (double)bound;
        // Uniform on [−B, B]: mean 0, variance B²/3; values reach both ends of the range.
        AssertMoments(v.Select(x => (double)x / b), 0, 1.0 / 3, kurtosis: 1.8);
        Assert.True(v.Max() > (Int128)(bound - (bound >> 8)));
        Assert.True(v.Min() < -(Int128)(bound - (bound >> 8)));
    }

    [Fact]
    public void Smudging_SmallBound_IsExactlyUniform()
    {
        var v = new Int128[70000];
        SmudgingSampler.Sample(SystemRandomSource.Instance, 3, v);
        var counts = v.GroupBy(x => (long)x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(-3, 7).Select(i => (long)i), counts.Keys.Order());
        double sd = Math.Sqrt(v.Length * (1.0 / 7) * (6.0 / 7));
        Assert.All(counts.Values, c => Assert.InRange(c, (v.Length / 7.0) - (6 * sd), (v.Length / 7.0) + (6 * sd)));
    }

    [Fact]
    public void Uniform_BelowQAndCentered()
    {
        var ring = new RingQ(4096, [TestSupport.Q0, TestSupport.Q1]);
        Poly p = ring.NewPoly();
        UniformSampler.Sample(ring, SystemRandomSource.Instance, p);
        for (int l = 0; l < 2; l++)
        {
            double q = ring.Moduli[l].Value;
            ulong[] level = p.Level(l).ToArray();
            Assert.All(level, x => Assert.True(x < ring.Moduli[l].Value));
            AssertMoments(level.Select(x => (x / q) - 0.5), 0, 1.0 / 12, kurtosis: 1.8);
        }
    }

    [Fact]
    public void ExpandA_IsDeterministicPerSeed()
    {
        HeParameters p = HeParameters.Compact;
        Poly a1 = CommonReference.ExpandA(p, TestSupport.Seed(1));
        Poly a2 = CommonReference.ExpandA(p, TestSupport.Seed(1));
        Poly a3 = CommonReference.ExpandA(p, TestSupport.Seed(2));
        Assert.Equal(a1.Coeffs, a2.Coeffs);
        Assert.NotEqual(a1.Coeffs, a3.Coeffs);
    }

    [Fact]
    public void ExpandA_KnownAnswer()
    {
        // Pins the byte order (LE64 counter ‖ LE64 domain blocks, LE64 words masked to 60 bits, rejection ≥ q):
        // a change here silently splits the federation into parties with different collective keys.
        byte[] seed = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Poly a = CommonReference.ExpandA(HeParameters.Compact, seed);
        int n = HeParameters.Compact.N;
        ulong[] got = [a.Coeffs[0], a.Coeffs[1], a.Coeffs[2], a.Coeffs[n - 1], a.Coeffs[n], a.Coeffs[(2 * n) - 1]];
        Assert.Equal(KnownA, got);
    }

    // Computed independently with `openssl enc -aes-256-ecb` over the same counter blocks.
    private static readonly ulong[] KnownA =
        [983077828443264423, 716930940350605071, 397565057276880053, 695816122492663484, 1050087083316597940, 351712415523596995];

    private static void AssertMoments(IEnumerable<double> values, double mean, double variance, double kurtosis)
    {
        double[] v = values.ToArray();
        int n = v.Length;
        double m = v.Average();
        double var = v.Sum(x => (x - m) * (x - m)) / (n - 1);
        // The sample mean has standard error sqrt(var/n); the sample variance sqrt((κ−1)/n)·var.
        Assert.InRange(m, mean - (6 * Math.Sqrt(variance / n)), mean + (6 * Math.Sqrt(variance / n)));
        double se = Math.Sqrt((kurtosis - 1) / n) * variance;
        Assert.InRange(var, variance - (6 * se), variance + (6 * se));
    }
}
