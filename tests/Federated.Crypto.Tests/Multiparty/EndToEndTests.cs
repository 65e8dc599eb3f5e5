using System.Numerics;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Multiparty;

public class EndToEndTests
{
    /// <summary>Steps 4–7: encrypt, stream-add serialized ciphertexts, one share per party, combine.</summary>
    private static (DecodedVector Result, long[] Expected, long ExpectedCompanion, byte[] Aggregate) RunRound(
        TestSupport.Federation f, double[][] inputs, long[] companions, ulong round, int[] active)
    {
        HeParameters p = f.Parameters;
        var acc = new CiphertextAccumulator(p, round, f.PublicKey.Epoch);
        var enc = new VectorEncryptor(f.PublicKey);
        for (int i = 0; i < inputs.Length; i++)
        {
            acc.Add(enc.Encrypt(inputs[i], companions[i], round));
        }

        byte[] aggregate = acc.ToBytes();
        var shares = active.Select(j => new ParticipantDecryptor(f.Keys[j - 1], 2).CreateShare(aggregate, round, active)).ToList();
        DecodedVector result = CollectiveDecryption.Combine(p, aggregate, shares);
        long[] expected = new long[inputs[0].Length];
        foreach (double[] v in inputs)
        {
            for (int k = 0; k < v.Length; k++)
            {
                expected[k] += FixedPointEncoder.Quantize(p, v[k]);
            }
        }

        return (result, expected, companions.Sum(), aggregate);
    }

    [Fact]
    public void Compact_100Parties_AtPlusMinusXmax_DecryptsExactSum()
    {
        HeParameters p = HeParameters.Compact;
        const int P = 100;
        using var f = TestSupport.Setup(p, P, P);
        var rng = new Random(1);
        // Two chunks (N + 50 values) at exactly ±X_max: the worst case the guard bits were sized for.
        double[][] inputs = Enumerable.Range(0, P).Select(_ => TestSupport.RandomVector(rng, p.N + 50, p.MaxAbsValue, extremes: true)).ToArray();
        long[] companions = Enumerable.Range(0, P).Select(i => p.MaxEncodedMagnitude - i).ToArray();
        var (result, expected, expectedCompanion, _) = RunRound(f, inputs, companions, 42, Enumerable.Range(1, P).ToArray());
        Assert.Equal(expected, result.RawSums);
        Assert.Equal(expectedCompanion, result.Companion);
        Assert.Equal(P, result.Contributors);
        Assert.Equal(expected[0] / 4194304.0, result.Values[0]);
    }

    public static TheoryData<int, int, int> Sets() => new()
    {
        { 6, 2, 7 },
        { 8, 3, 5 },
        { 10, 2, 3 },
    };

    [Theory]
    [MemberData(nameof(Sets))]
    public void SmallRings_RandomInputs_DecryptExactSumIncludingClipping(int logN, int primes, int parties)
    {
        HeParameters p = TestSupport.Small(logN, primes);
        using var f = TestSupport.Setup(p, parties, parties);
        var rng = new Random(logN);
        double[][] inputs = Enumerable.Range(0, parties).Select(_ => TestSupport.RandomVector(rng, (2 * p.N) + 3, 2 * p.MaxAbsValue, extremes: false)).ToArray();
        long[] companions = Enumerable.Range(0, parties).Select(i => (long)rng.Next(1000)).ToArray();
        var (result, expected, expectedCompanion, _) = RunRound(f, inputs, companions, 7, Enumerable.Range(1, parties).ToArray());
        Assert.Equal(expected, result.RawSums);
        Assert.Equal(expectedCompanion, result.Companion);
    }

    [Fact]
    public void Combine_MissingShare_IsRefusedAndUncheckedGivesGarbage()
    {
        HeParameters p = TestSupport.Small(8, 2);
        using var f = TestSupport.Setup(p, 4, 4);
        var enc = new VectorEncryptor(f.PublicKey);
        var agg = new CiphertextAccumulator(p);
        double[] ones = Enumerable.Repeat(1.0, 200).ToArray();
        for (int i = 0; i < 4; i++)
        {
            agg.Add(enc.Encrypt(ones, 1, 3));
        }

        EncryptedVector aggregate = agg.Aggregate!;
        int[] all = [1, 2, 3, 4];
        var shares = f.Keys.Select(k => ParticipantDecryptor.Compute(k, aggregate, all, smudge: true)).ToList();
        var ex = Assert.Throws<ArgumentException>(() => CollectiveDecryption.Combine(aggregate, shares.Take(3)));
        Assert.Contains("Missing decryption shares from parties 4", ex.Message);

        DecodedVector garbage = CollectiveDecryption.CombineUnchecked(aggregate, shares.Take(3).ToList());
        AssertGarbage(garbage.RawSums, 4L << 22);

        DecodedVector correct = CollectiveDecryption.CombineUnchecked(aggregate, shares);
        Assert.All(correct.RawSums, v => Assert.Equal(4L << 22, v));
    }

    [Fact]
    public void Combine_ShareFromWrongKey_GivesGarbage()
    {
        HeParameters p = TestSupport.Small(8, 2);
        using var f = TestSupport.Setup(p, 3, 3);
        using var other = TestSupport.Setup(p, 3, 3);
        var enc = new VectorEncryptor(f.PublicKey);
        EncryptedVector v = enc.EncryptVector(Enumerable.Repeat(0.5, 100).ToArray(), 1, 9);
        v.AddInPlace(enc.EncryptVector(Enumerable.Repeat(0.5, 100).ToArray(), 1, 9));
        int[] all = [1, 2, 3];
        var shares = f.Keys.Select(k => ParticipantDecryptor.Compute(k, v, all, smudge: true)).ToList();
        shares[1] = ParticipantDecryptor.Compute(other.Keys[1], v, all, smudge: true);
        AssertGarbage(CollectiveDecryption.Combine(v, shares).RawSums, 1L << 22);
    }

    /// <summary>Wrong decryptions must look random, not nearly right: almost every slot is far from the true sum.</summary>
    internal static void AssertGarbage(IReadOnlyList<long> raw, long expected)
    {
        int far = raw.Count(x => Math.Abs(x - expected) > 1000);
        Assert.True(far > raw.Count * 0.95, $"only {far} of {raw.Count} slots are wrong");
    }

    [Fact]
    public void Aggregate_MeasuredNoise_WithinNoteBound()
    {
        // Noise of c0 + c1·s − 2^g·ΣM before smudging, against B_ct = 8.3σ·sqrt(P(1 + 4NP/3)) for the actual P.
        HeParameters p = TestSupport.Small(10, 2);
        const int P = 12;
        using var f = TestSupport.Setup(p, P, P);
        var enc = new VectorEncryptor(f.PublicKey);
        var rng = new Random(3);
        double[][] inputs = Enumerable.Range(0, P).Select(_ => TestSupport.RandomVector(rng, p.N - 1, p.MaxAbsValue, extremes: false)).ToArray();
        EncryptedVector agg = enc.EncryptVector(inputs[0], 0, 1);
        for (int i = 1; i < P; i++)
        {
            agg.AddInPlace(enc.EncryptVector(inputs[i], 0, 1));
        }

        RingQ ring = p.Ring;
        Poly s = ring.NewPoly();
        foreach (PartyKeys k in f.Keys)
        {
            ring.AddInPlace(s, k.Secret.Value);
        }

        Poly t = agg.Chunks[0].C1.Clone();
        ring.Forward(t);
        ring.MulCoeffs(t, s, t);
        ring.Inverse(t);
        ring.AddInPlace(t, agg.Chunks[0].C0);

        double sumSq = 0;
        BigInteger max = 0;
        for (int i = 1; i < p.N; i++)
        {
            long m = inputs.Sum(v => FixedPointEncoder.Quantize(p, v[i - 1]));
            BigInteger noise = PlaintextDecoder.Centered(p, t, i) - (new BigInteger(m) << p.GuardBits);
            max = BigInteger.Max(max, BigInteger.Abs(noise));
            sumSq += (double)(noise * noise);
        }

        double sigma = Math.Sqrt(10.5);
        double predictedSd = sigma * Math.Sqrt(P * (1 + (4.0 * p.N * P / 3)));
        double measuredSd = Math.Sqrt(sumSq / (p.N - 1));
        Assert.InRange(measuredSd / predictedSd, 0.9, 1.1);
        Assert.True((double)max <= 8.3 * predictedSd, $"max noise {max} above 8.3σ bound {8.3 * predictedSd}");
        Assert.True((double)max < p.CiphertextNoiseBound);
    }
}
