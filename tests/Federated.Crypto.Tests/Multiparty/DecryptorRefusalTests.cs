using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Multiparty;

public class DecryptorRefusalTests
{
    private static (TestSupport.Federation F, byte[] Aggregate) Aggregate(int contributors = 3, ulong round = 5)
    {
        HeParameters p = TestSupport.Small(6, 2);
        var f = TestSupport.Setup(p, 4, 3);
        var enc = new VectorEncryptor(f.PublicKey);
        var acc = new CiphertextAccumulator(p);
        for (int i = 0; i < contributors; i++)
        {
            acc.Add(enc.Encrypt([1.0, 2.0], 1, round));
        }

        return (f, acc.ToBytes());
    }

    [Fact]
    public void SecondShare_SameCiphertext_IsRefused_EvenForAnotherSubset()
    {
        var (f, agg) = Aggregate();
        using var _ = f;
        var d = new ParticipantDecryptor(f.Keys[0], 2);
        d.CreateShare(agg, 5, [1, 2, 3]);
        var ex = Assert.Throws<InvalidOperationException>(() => d.CreateShare(agg, 5, [1, 2, 3]));
        Assert.Equal("Refused: this party already produced a decryption share for this ciphertext; a failed round must be re-encrypted.", ex.Message);
        Assert.Throws<InvalidOperationException>(() => d.CreateShare(agg, 5, [1, 3, 4]));
        Assert.Equal(1, d.DecryptionsUsed);
    }

    [Fact]
    public void SecondShare_ConcurrentRequests_OnlyOneSucceeds()
    {
        var (f, agg) = Aggregate();
        using var _ = f;
        var d = new ParticipantDecryptor(f.Keys[1], 2);
        int ok = 0;
        Parallel.For(0, 8, _ =>
        {
            try
            {
                d.CreateShare(agg, 5, [1, 2, 3]);
                Interlocked.Increment(ref ok);
            }
            catch (InvalidOperationException)
            {
            }
        });
        Assert.Equal(1, ok);
    }

    [Fact]
    public void Request_WithoutRoundOrWrongRound_IsRefused()
    {
        var (f, agg) = Aggregate();
        using var _ = f;
        var d = new ParticipantDecryptor(f.Keys[0], 2);
        Assert.Contains("names no round", Assert.Throws<InvalidOperationException>(() => d.CreateShare(agg, 0, [1, 2, 3])).Message);
        Assert.Contains("for round 6 but the aggregate was encrypted for round 5", Assert.Throws<InvalidOperationException>(() => d.CreateShare(agg, 6, [1, 2, 3])).Message);
        Assert.Equal(0, d.DecryptionsUsed);
    }

    [Fact]
    public void Request_WithTooFewContributors_IsRefused()
    {
        var (f, agg) = Aggregate(contributors: 2);
        using var _ = f;
        var d = new ParticipantDecryptor(f.Keys[0], 3);
        var ex = Assert.Throws<InvalidOperationException>(() => d.CreateShare(agg, 5, [1, 2, 3]));
        Assert.Equal("Refused: the aggregate has 2 contributors, fewer than the minimum of 3.", ex.Message);
    }

    [Fact]
    public void Budget_D_IsEnforced()
    {
        HeParameters p = TestSupport.Small(6, 2) is var baseSet
            ? HeParameters.Create(baseSet.Literal with { MaxDecryptionsPerKey = 2 })
            : throw new InvalidOperationException();
        using var f = TestSupport.Setup(p, 3, 3);
        var d = new ParticipantDecryptor(f.Keys[0], 2);
        var enc = new VectorEncryptor(f.PublicKey);
        for (ulong r = 1; r <= 3; r++)
        {
            var acc = new CiphertextAccumulator(p);
            acc.Add(enc.Encrypt([1.0], 0, r));
            acc.Add(enc.Encrypt([1.0], 0, r));
            byte[] agg = acc.ToBytes();
            if (r < 3)
            {
                d.CreateShare(agg, r, [1, 2, 3]);
            }
            else
            {
                Assert.Contains("exceed the budget D = 2", Assert.Throws<InvalidOperationException>(() => d.CreateShare(agg, r, [1, 2, 3])).Message);
            }
        }
    }

    [Fact]
    public void Threshold_NotCombined_IsRefused()
    {
        HeParameters p = TestSupport.Small(6, 2);
        byte[] seed = TestSupport.Seed();
        using var k1 = PartyKeys.Generate(p, seed, 1, 3, 2, 1);
        using var k2 = PartyKeys.Generate(p, seed, 2, 3, 2, 1);
        using var k3 = PartyKeys.Generate(p, seed, 3, 3, 2, 1);
        PublicKey pk = CollectiveKeyGen.Aggregate(p, seed, new[] { k1, k2, k3 }.Select(k => k.CreatePublicKeyShare()));
        var enc = new VectorEncryptor(pk);
        EncryptedVector v = enc.EncryptVector([1.0], 0, 1);
        v.AddInPlace(enc.EncryptVector([1.0], 0, 1));
        var ex = Assert.Throws<InvalidOperationException>(() => new ParticipantDecryptor(k1, 2).CreateShare(v, 1, [1, 2]));
        Assert.Contains("threshold secret has not been combined", ex.Message);
    }
}
