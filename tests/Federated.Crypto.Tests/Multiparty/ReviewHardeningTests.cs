using System.Buffers.Binary;
using System.Numerics;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Multiparty;

/// <summary>Regression tests for the review findings on forged headers, duplicate chunks, T = 1, custom sets and smudging.</summary>
public class ReviewHardeningTests
{
    private const int CiphertextFixedSize = 32; // header (24) + contributors (4) + value count (4)

    private static readonly HeParameters P = TestSupport.Small(6, 2);

    // ---------------------------------------------------------------- forged counts (findings 2, 3) ----------

    [Fact]
    public void ForgedValueCount_ThatOverflowsTheSize_IsInvalidData_NotOverflow()
    {
        using var f = TestSupport.Setup(P, 3, 3);
        byte[] ct = new VectorEncryptor(f.PublicKey).Encrypt([1.0, 2.0], 1, 3);
        byte[] forged = (byte[])ct.Clone();
        // 2^28 values at N = 64 is 2^22 chunks of 2 × 960 bytes: beyond int, so a checked int size would overflow.
        BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(28), (uint)EncryptedVector.MaxValueCount);
        Assert.Contains("Truncated Ciphertext", Assert.Throws<InvalidDataException>(() => EncryptedVector.FromBytes(P, forged)).Message);
        var acc = new CiphertextAccumulator(P);
        Assert.Throws<InvalidDataException>(() => acc.Add(forged));
        Assert.Equal(0, acc.Contributors);
    }

    [Fact]
    public void FreshOnlyAccumulator_RefusesAForgedContributorCount_AndKeepsTheSum()
    {
        using var f = TestSupport.Setup(P, 3, 3);
        var enc = new VectorEncryptor(f.PublicKey);
        var acc = new CiphertextAccumulator(P, round: 3, epoch: 1, freshOnly: true);
        acc.Add(enc.Encrypt([1.0], 1, 3));
        byte[] before = acc.ToBytes();
        byte[] forged = enc.Encrypt([1.0], 1, 3);
        BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(24), 50);
        var ex = Assert.Throws<InvalidDataException>(() => acc.Add(forged));
        Assert.Equal("Ciphertext claims 50 contributors; this aggregation accepts only fresh encryptions (exactly 1).", ex.Message);
        Assert.Equal(before, acc.ToBytes());
        Assert.Equal(1, acc.Contributors);

        // A genuine two-party sum is just as much "not fresh", also as an in-memory vector.
        EncryptedVector two = enc.EncryptVector([1.0], 1, 3);
        two.AddInPlace(enc.EncryptVector([1.0], 1, 3));
        Assert.Throws<InvalidDataException>(() => acc.Add(two.ToBytes()));
        Assert.Throws<InvalidDataException>(() => acc.Add(two));
        acc.Add(enc.Encrypt([1.0], 1, 3));
        Assert.Equal(2, acc.Contributors);

        // Without the flag (a tier adding trusted sub-aggregates) counts add up as before.
        var tier = new CiphertextAccumulator(P);
        tier.Add(two.ToBytes());
        Assert.Equal(2, tier.Contributors);
    }

    // ---------------------------------------------------------------- duplicate chunks (finding 4) ----------

    [Fact]
    public void Aggregate_WithTwoIdenticalChunks_IsRefused_WithoutSpendingTheLog()
    {
        using var f = TestSupport.Setup(P, 3, 3);
        var enc = new VectorEncryptor(f.PublicKey);
        var values = Enumerable.Range(0, P.N + 10).Select(i => (double)(i % 5)).ToArray();
        var acc = new CiphertextAccumulator(P);
        acc.Add(enc.Encrypt(values, 1, 9));
        acc.Add(enc.Encrypt(values, 1, 9));
        byte[] agg = acc.ToBytes();
        int chunkBytes = 2 * P.PolyPackedBytes;
        Assert.Equal(CiphertextFixedSize + (2 * chunkBytes), agg.Length);
        byte[] dup = (byte[])agg.Clone();
        agg.AsSpan(CiphertextFixedSize, chunkBytes).CopyTo(dup.AsSpan(CiphertextFixedSize + chunkBytes));
        var d = new ParticipantDecryptor(f.Keys[0], 2);
        var ex = Assert.Throws<InvalidOperationException>(() => d.CreateShare(dup, 9, [1, 2, 3]));
        Assert.Contains("repeats a ciphertext chunk", ex.Message);
        Assert.Equal(0, d.DecryptionsUsed);
        // The genuine aggregate is still decryptable by this party.
        d.CreateShare(agg, 9, [1, 2, 3]);
        Assert.Equal(2, d.DecryptionsUsed);
    }

    // ---------------------------------------------------------------- T = 1 (finding 5) ----------

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(4)]
    public void Threshold_OutsideTwoToN_IsRefused(int threshold)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PartyKeys.Generate(P, TestSupport.Seed(), 1, 3, threshold, 1));
        Assert.Contains("Threshold must be in [2, 3]", ex.Message);
    }

    // ---------------------------------------------------------------- custom sets (finding 6) ----------

    [Fact]
    public void CustomSet_WithFirstPrimeAboveTwiceTheSecond_DecodesNegativeAndPositiveSums()
    {
        // q0 ≈ 2^61 > 2·q1 ≈ 2^60: the two-prime CRT must reduce r0 mod q1 properly.
        HeParameters p = HeParameters.Create(new HeParameterLiteral
        {
            Name = "test-wide-q0",
            Id = 0xF1A1,
            LogN = 6,
            Moduli = [0x1fffffffffffef01UL, 0x7fffffffffff801UL],
            MaxAbsValue = 8,
            FractionalBits = 22,
            MaxParticipants = 10,
            MaxDecryptionsPerKey = 1 << 7,
            InsecureForTestingOnly = true,
        });
        Assert.True(p.Ring.Moduli[0].Value > 2 * p.Ring.Moduli[1].Value);
        using var f = TestSupport.Setup(p, 3, 3);
        var enc = new VectorEncryptor(f.PublicKey);
        double[][] inputs = [[-8.0, 7.5, -0.25, 3.0], [-8.0, 7.5, -1.5, -3.0], [-8.0, 8.0, 0.0, 2.0]];
        var acc = new CiphertextAccumulator(p, 4, 1, freshOnly: true);
        foreach (double[] v in inputs)
        {
            acc.Add(enc.Encrypt(v, -5, 4));
        }

        byte[] agg = acc.ToBytes();
        int[] active = [1, 2, 3];
        var shares = active.Select(j => new ParticipantDecryptor(f.Keys[j - 1], 2).CreateShare(agg, 4, active)).ToList();
        DecodedVector sum = CollectiveDecryption.Combine(p, agg, shares);
        Assert.Equal([-24.0, 23.0, -1.75, 2.0], sum.Values.ToArray());
        Assert.Equal(-15, sum.Companion);
    }

    [Fact]
    public void CustomSet_WhoseEncodedRangeReachesASmallPrime_IsRefused()
    {
        var literal = new HeParameterLiteral
        {
            Name = "test-small-prime",
            Id = 0xF1A2,
            LogN = 6,
            Moduli = [TestSupport.Q0, TestSupport.Q1, 0xffe81UL],
            MaxAbsValue = 8,
            FractionalBits = 22,
            MaxParticipants = 2,
            MaxDecryptionsPerKey = 1 << 7,
            InsecureForTestingOnly = true,
        };
        var ex = Assert.Throws<ArgumentException>(() => HeParameters.Create(literal));
        Assert.Contains("must stay below the smallest modulus", ex.Message);
        Assert.Contains("1048193", ex.Message);
    }

    // ---------------------------------------------------------------- smudging (finding 9) ----------

    [Fact]
    public void Share_MinusKeyTimesC1_IsNonzeroSmudgingWithinTheBound()
    {
        using var f = TestSupport.Setup(P, 3, 2);
        var enc = new VectorEncryptor(f.PublicKey);
        EncryptedVector agg = enc.EncryptVector([1.0, -2.0], 0, 7);
        agg.AddInPlace(enc.EncryptVector([3.0, 4.0], 0, 7));
        int[] active = [1, 3];
        PartyKeys k = f.Keys[2];
        DecryptionShare noiseless = ParticipantDecryptor.Compute(k, agg, active, smudge: false);
        DecryptionShare smudged = ParticipantDecryptor.Compute(k, agg, active, smudge: true);
        BigInteger bound = (BigInteger)P.SmudgingBound;

        BigInteger[] noise = Difference(smudged.H[0], noiseless.H[0]);
        Assert.All(noise, e => Assert.True(BigInteger.Abs(e) <= bound, $"|{e}| > B_sm"));
        Assert.True(noise.Count(e => !e.IsZero) > P.N / 2, "smudging noise is (mostly) zero");
        // Typical magnitude: uniform on ±B_sm, so most coefficients are far above the ciphertext noise bound.
        Assert.True(noise.Max(BigInteger.Abs) > bound / 4);

        // The same measurement without smudging sees nothing: the assertion above is what smudging makes true.
        BigInteger[] none = Difference(ParticipantDecryptor.Compute(k, agg, active, smudge: false).H[0], noiseless.H[0]);
        Assert.All(none, e => Assert.True(e.IsZero));
    }

    private static BigInteger[] Difference(Poly a, Poly b)
    {
        ulong q0 = P.Ring.Moduli[0].Value;
        ulong q1 = P.Ring.Moduli[1].Value;
        BigInteger bigQ = (BigInteger)q0 * q1;
        BigInteger inv = BigInteger.ModPow(q0, q1 - 2, q1);
        var result = new BigInteger[P.N];
        for (int i = 0; i < P.N; i++)
        {
            BigInteger d0 = ((BigInteger)a.Level(0)[i] - b.Level(0)[i] + q0) % q0;
            BigInteger d1 = ((BigInteger)a.Level(1)[i] - b.Level(1)[i] + q1) % q1;
            BigInteger t = ((d1 - d0) % q1 + q1) % q1 * inv % q1;
            BigInteger x = d0 + (q0 * t);
            result[i] = x > bigQ / 2 ? x - bigQ : x;
        }

        return result;
    }

    // ---------------------------------------------------------------- CommonSeed (finding 9) ----------

    [Fact]
    public void CommonSeed_DependsOnOrder()
    {
        byte[] a = CommonSeed.NewContribution();
        byte[] b = CommonSeed.NewContribution();
        Assert.NotEqual(CommonSeed.Derive([a, b]), CommonSeed.Derive([b, a]));
        Assert.Equal(CommonSeed.Derive([a, b]), CommonSeed.Derive([(byte[])a.Clone(), (byte[])b.Clone()]));
    }

    [Fact]
    public void CommonSeed_NeedsTwoContributionsOfSixteenBytes()
    {
        Assert.Contains("at least two parties", Assert.Throws<ArgumentException>(() => CommonSeed.Derive([CommonSeed.NewContribution()])).Message);
        Assert.Contains("at least two parties", Assert.Throws<ArgumentException>(() => CommonSeed.Derive([])).Message);
        Assert.Contains("at least 16 random bytes", Assert.Throws<ArgumentException>(() => CommonSeed.Derive([CommonSeed.NewContribution(), new byte[15]])).Message);
    }

    [Fact]
    public void CommonSeed_WrongOpening_DoesNotVerify()
    {
        byte[] c = CommonSeed.NewContribution();
        byte[] commitment = CommonSeed.Commit(c);
        Assert.True(CommonSeed.Verify(commitment, c));
        byte[] other = (byte[])c.Clone();
        other[0] ^= 1;
        Assert.False(CommonSeed.Verify(commitment, other));
        Assert.False(CommonSeed.Verify(commitment, c.AsSpan(0, 31)));
        Assert.False(CommonSeed.Verify(commitment.AsSpan(0, 31), c));
    }

    // ---------------------------------------------------------------- residue checks (finding 9) ----------

    [Fact]
    public void ResidueOutOfRange_InPrimeZeroOfTheFirstChunk_IsRejected()
    {
        using var f = TestSupport.Setup(P, 3, 3);
        byte[] ct = new VectorEncryptor(f.PublicKey).Encrypt(Enumerable.Repeat(1.0, P.N + 3).ToArray(), 1, 3);
        byte[] t = (byte[])ct.Clone();
        // First residue of chunk 0's c0, prime 0: all 60 bits set, a value ≥ q0.
        t.AsSpan(CiphertextFixedSize, 7).Fill(0xFF);
        t[CiphertextFixedSize + 7] |= 0x0F;
        var ex = Assert.Throws<InvalidDataException>(() => EncryptedVector.FromBytes(P, t));
        Assert.Contains("out of range", ex.Message);
        Assert.Contains("chunk 0", ex.Message);
        Assert.Throws<InvalidDataException>(() => new CiphertextAccumulator(P).Add(t));
    }
}
