using System.Buffers.Binary;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Rlwe;

public class SerializationTests
{
    private static readonly HeParameters P = TestSupport.Small(6, 2);

    /// <summary>One sample of every wire object, with its reader.</summary>
    public static TheoryData<string> Kinds() => new() { "PublicKeyShare", "PublicKey", "Ciphertext", "DecryptionShare", "ThresholdShare" };

    private static (byte[] Bytes, Func<byte[], byte[]> RoundTrip) Sample(string kind)
    {
        var f = TestSupport.Setup(P, 3, 2);
        var enc = new VectorEncryptor(f.PublicKey);
        byte[] ct = enc.Encrypt(Enumerable.Range(0, 100).Select(i => i / 10.0).ToArray(), 5, 3);
        var acc = new CiphertextAccumulator(P);
        acc.Add(ct);
        acc.Add(enc.Encrypt(Enumerable.Range(0, 100).Select(i => i / 10.0).ToArray(), 5, 3));
        return kind switch
        {
            "PublicKeyShare" => (f.Keys[0].CreatePublicKeyShare(), b => PublicKeyShare.FromBytes(P, b).ToBytes()),
            "PublicKey" => (f.PublicKey.ToBytes(), b => PublicKey.FromBytes(P, b).ToBytes()),
            "Ciphertext" => (ct, b => EncryptedVector.FromBytes(P, b).ToBytes()),
            "DecryptionShare" => (new ParticipantDecryptor(f.Keys[0], 2).CreateShare(acc.ToBytes(), 3, [1, 2]), b => DecryptionShare.FromBytes(P, b).ToBytes()),
            _ => (PartyKeys.Generate(P, TestSupport.Seed(), 1, 3, 2, 1).CreateThresholdShares()[2], b => ThresholdShare.FromBytes(P, b).ToBytes()),
        };
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RoundTrip_IsByteExact(string kind)
    {
        var (bytes, rt) = Sample(kind);
        Assert.Equal(bytes, rt(bytes));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Truncated_IsRejected(string kind)
    {
        var (bytes, rt) = Sample(kind);
        foreach (int len in new[] { 0, 10, 23, 30, bytes.Length / 2, bytes.Length - 1 })
        {
            var ex = Assert.Throws<InvalidDataException>(() => rt(bytes[..len]));
            Assert.Contains("Truncated", ex.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Oversized_IsRejected(string kind)
    {
        var (bytes, rt) = Sample(kind);
        var ex = Assert.Throws<InvalidDataException>(() => rt([.. bytes, 0]));
        Assert.Contains("Oversized", ex.Message);
        Assert.Contains("1 trailing", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TamperedHeader_IsRejectedWithReason(string kind)
    {
        var (bytes, rt) = Sample(kind);
        (int Offset, string Message)[] cases =
        [
            (0, "bad magic"),
            (4, "Unsupported wire version"),
            (5, "but the header says"),
            (6, "was made for parameter set id"),
            (8, "fingerprint"),
        ];
        foreach (var (offset, message) in cases)
        {
            byte[] t = (byte[])bytes.Clone();
            t[offset] ^= 0x01;
            Assert.Contains(message, Assert.Throws<InvalidDataException>(() => rt(t)).Message);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ResidueOutOfRange_IsRejected(string kind)
    {
        var (bytes, rt) = Sample(kind);
        byte[] t = (byte[])bytes.Clone();
        // The last residue of the object: set all its 60 bits, a value ≥ q.
        int end = t.Length;
        for (int i = end - 7; i < end; i++)
        {
            t[i] = 0xFF;
        }

        t[end - 8] |= 0xF0;
        Assert.Contains("out of range", Assert.Throws<InvalidDataException>(() => rt(t)).Message);
    }

    [Fact]
    public void Ciphertext_ForgedCounts_AreRejectedBeforeAllocation()
    {
        var (bytes, _) = Sample("Ciphertext");
        byte[] t = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(28), uint.MaxValue);
        Assert.Contains("at most 268435456 are accepted", Assert.Throws<InvalidDataException>(() => EncryptedVector.FromBytes(P, t)).Message);
        t = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(24), 0);
        Assert.Contains("claims 0 contributors", Assert.Throws<InvalidDataException>(() => EncryptedVector.FromBytes(P, t)).Message);
        t = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(28), 1000);
        Assert.Contains("Truncated", Assert.Throws<InvalidDataException>(() => EncryptedVector.FromBytes(P, t)).Message);
    }

    [Fact]
    public void Accumulator_RejectedInput_LeavesSumUnchanged()
    {
        var (bytes, _) = Sample("Ciphertext");
        var acc = new CiphertextAccumulator(P, round: 3);
        acc.Add(bytes);
        byte[] before = acc.ToBytes();
        byte[] bad = (byte[])bytes.Clone();
        bad.AsSpan(bad.Length - 8).Fill(0xFF);
        Assert.Throws<InvalidDataException>(() => acc.Add(bad));
        Assert.Equal(before, acc.ToBytes());
        byte[] otherRound = (byte[])bytes.Clone();
        otherRound[16] = 4;
        Assert.Contains("for round 4; this aggregation is for round 3", Assert.Throws<InvalidDataException>(() => acc.Add(otherRound)).Message);
    }

    [Fact]
    public void Ciphertext_WireSize_CompactIsAtMost32BytesPerValue()
    {
        HeParameters c = HeParameters.Compact;
        int values = 10 * c.N - 1;
        double perValue = (double)EncryptedVector.GetSerializedSize(c, values) / values;
        Assert.True(perValue <= 32, $"{perValue} B/value");
        Assert.InRange(perValue, 30, 30.01);
    }
}
