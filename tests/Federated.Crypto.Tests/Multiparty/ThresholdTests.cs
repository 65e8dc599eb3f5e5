using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Multiparty;

public class ThresholdTests
{
    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        for (int mask = 0; mask < 1 << n; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) == k)
            {
                yield return Enumerable.Range(1, n).Where(i => (mask & (1 << (i - 1))) != 0).ToArray();
            }
        }
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(4, 2)]
    [InlineData(4, 4)]
    public void EveryTSubset_Decrypts_ThroughTheParticipantApi(int n, int t)
    {
        HeParameters p = TestSupport.Small(7, 2);
        using var f = TestSupport.Setup(p, n, t);
        var decryptors = f.Keys.Select(k => new ParticipantDecryptor(k, 2)).ToArray();
        var enc = new VectorEncryptor(f.PublicKey);
        ulong round = 0;
        foreach (int[] active in Subsets(n, t))
        {
            // Each decryption needs fresh ciphertexts: a party never decrypts the same c1 twice.
            round++;
            var acc = new CiphertextAccumulator(p, round);
            for (int i = 0; i < n; i++)
            {
                acc.Add(enc.Encrypt(Enumerable.Repeat(0.25 * (i + 1), 150).ToArray(), i + 1, round));
            }

            byte[] agg = acc.ToBytes();
            var shares = active.Select(j => decryptors[j - 1].CreateShare(agg, round, active)).ToList();
            DecodedVector result = CollectiveDecryption.Combine(p, agg, shares);
            long expected = Enumerable.Range(1, n).Sum(i => FixedPointEncoder.Quantize(p, 0.25 * i));
            Assert.All(result.RawSums, v => Assert.Equal(expected, v));
            Assert.Equal(n * (n + 1) / 2, result.Companion);
        }
    }

    [Fact]
    public void TMinus1Shares_DoNotDecrypt()
    {
        HeParameters p = TestSupport.Small(7, 2);
        using var f = TestSupport.Setup(p, 5, 3);
        var enc = new VectorEncryptor(f.PublicKey);
        EncryptedVector agg = enc.EncryptVector(Enumerable.Repeat(1.0, 100).ToArray(), 1, 1);
        agg.AddInPlace(enc.EncryptVector(Enumerable.Repeat(1.0, 100).ToArray(), 1, 1));

        foreach (int[] active in Subsets(5, 2))
        {
            // The parties' own API refuses a set of T−1; computing the shares anyway still yields garbage.
            var ex = Assert.Throws<InvalidOperationException>(() => new ParticipantDecryptor(f.Keys[active[0] - 1], 2).CreateShare(agg, 1, active));
            Assert.Contains("exactly 3 distinct parties", ex.Message);
            var shares = active.Select(j => ParticipantDecryptor.Compute(f.Keys[j - 1], agg, active, smudge: true)).ToList();
            EndToEndTests.AssertGarbage(CollectiveDecryption.CombineUnchecked(agg, shares).RawSums, 2L << 22);
        }

        // A T-set whose shares were weighted for different sets is garbage too.
        var mixed = new[] { [1, 2, 3], [1, 2, 4], new[] { 1, 2, 3 } }
            .Select((set, i) => ParticipantDecryptor.Compute(f.Keys[new[] { 1, 2, 3 }[i] - 1], agg, set, smudge: true)).ToList();
        EndToEndTests.AssertGarbage(CollectiveDecryption.CombineUnchecked(agg, mixed).RawSums, 2L << 22);
    }

    [Fact]
    public void CombineThresholdShares_MissingOrMisaddressed_IsRefused()
    {
        HeParameters p = TestSupport.Small(6, 2);
        byte[] seed = TestSupport.Seed();
        var keys = Enumerable.Range(1, 4).Select(i => PartyKeys.Generate(p, seed, i, 4, 2, 1)).ToArray();
        var outgoing = keys.Select(k => k.CreateThresholdShares()).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => keys[0].CombineThresholdShares([outgoing[1][1], outgoing[2][1]]));
        Assert.Contains("missing from parties 4", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => keys[0].CombineThresholdShares([outgoing[1][3], outgoing[2][1], outgoing[3][1]]));
        Assert.Contains("addressed to party 3, not 1", ex.Message);
        Assert.Throws<InvalidOperationException>(() => keys[0].CreateThresholdShares());
        foreach (PartyKeys k in keys)
        {
            k.Dispose();
        }
    }
}
