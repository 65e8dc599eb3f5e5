using System.Buffers.Binary;
using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Multiparty;

/// <summary>
/// Party j's share h_j = c1·(l_j·sk_j) + ẽ_j of the decryption of one aggregate, for every chunk.
/// Wire layout: header ‖ party (LE16) ‖ active-set size k (LE16) ‖ k indices (LE16) ‖ aggregate digest (32) ‖
/// value count (LE32) ‖ h per chunk, packed in coefficient form.
/// </summary>
public sealed class DecryptionShare
{
    public const int DigestSize = 32;

    internal DecryptionShare(HeParameters parameters, uint epoch, ulong round, int partyIndex, int[] activeSet, byte[] digest, int valueCount, Poly[] h)
    {
        Parameters = parameters;
        Epoch = epoch;
        Round = round;
        PartyIndex = partyIndex;
        ActiveSetArray = activeSet;
        Digest = digest;
        ValueCount = valueCount;
        H = h;
    }

    public HeParameters Parameters { get; }

    public uint Epoch { get; }

    public ulong Round { get; }

    public int PartyIndex { get; }

    /// <summary>The parties (sorted) whose Lagrange weights this share used; all combined shares must agree on it.</summary>
    public IReadOnlyList<int> ActiveSet => ActiveSetArray;

    public int ValueCount { get; }

    internal int[] ActiveSetArray { get; }

    internal byte[] Digest { get; }

    internal Poly[] H { get; }

    private int FixedSize => WireHeader.Size + 4 + (2 * ActiveSetArray.Length) + DigestSize + 4;

    public int SerializedSize => FixedSize + (H.Length * Parameters.PolyPackedBytes);

    public byte[] ToBytes()
    {
        var dest = new byte[SerializedSize];
        WireHeader.For(Parameters, WireKind.DecryptionShare, Epoch, Round).Write(dest);
        Span<byte> d = dest.AsSpan(WireHeader.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)PartyIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], (ushort)ActiveSetArray.Length);
        int off = 4;
        foreach (int a in ActiveSetArray)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(d[off..], (ushort)a);
            off += 2;
        }

        Digest.CopyTo(d[off..]);
        off += DigestSize;
        BinaryPrimitives.WriteInt32LittleEndian(d[off..], ValueCount);
        off += 4;
        foreach (Poly h in H)
        {
            BitPacker.Pack(Parameters, h, d[off..]);
            off += Parameters.PolyPackedBytes;
        }

        return dest;
    }

    public static DecryptionShare FromBytes(HeParameters parameters, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        WireHeader h = WireHeader.Read(source, parameters, WireKind.DecryptionShare);
        ReadOnlySpan<byte> d = source[WireHeader.Size..];
        if (d.Length < 4)
        {
            throw new InvalidDataException($"Truncated DecryptionShare: {source.Length} bytes.");
        }

        int party = BinaryPrimitives.ReadUInt16LittleEndian(d);
        int k = BinaryPrimitives.ReadUInt16LittleEndian(d[2..]);
        if (k < 1 || k > parameters.MaxParticipants)
        {
            throw new InvalidDataException($"DecryptionShare active set of {k} parties must have 1 to {parameters.MaxParticipants} members.");
        }

        int prefix = WireHeader.Size + 4 + (2 * k) + DigestSize + 4;
        if (source.Length < prefix)
        {
            throw new InvalidDataException($"Truncated DecryptionShare: expected at least {prefix} bytes, got {source.Length}.");
        }

        int[] active = new int[k];
        for (int i = 0; i < k; i++)
        {
            active[i] = BinaryPrimitives.ReadUInt16LittleEndian(d[(4 + (2 * i))..]);
            if (active[i] < 1 || (i > 0 && active[i] <= active[i - 1]))
            {
                throw new InvalidDataException("DecryptionShare active set must list distinct positive party indices in increasing order.");
            }
        }

        if (Array.BinarySearch(active, party) < 0)
        {
            throw new InvalidDataException($"DecryptionShare of party {party} names an active set that does not contain it.");
        }

        int off = 4 + (2 * k);
        byte[] digest = d.Slice(off, DigestSize).ToArray();
        off += DigestSize;
        int count = BinaryPrimitives.ReadInt32LittleEndian(d[off..]);
        if (count < 0 || count > EncryptedVector.MaxValueCount)
        {
            throw new InvalidDataException($"DecryptionShare claims {count} values; must be in [0, {EncryptedVector.MaxValueCount}].");
        }

        int chunks = parameters.ChunkCount(count);
        WireHeader.CheckLength(source, prefix + ((long)chunks * parameters.PolyPackedBytes), WireKind.DecryptionShare);
        var polys = new Poly[chunks];
        int at = prefix;
        for (int c = 0; c < chunks; c++)
        {
            polys[c] = parameters.Ring.NewPoly();
            BitPacker.Unpack(parameters, source[at..], polys[c], $"DecryptionShare of party {party}, chunk {c}");
            at += parameters.PolyPackedBytes;
        }

        return new DecryptionShare(parameters, h.Epoch, h.Round, party, active, digest, count, polys);
    }
}
