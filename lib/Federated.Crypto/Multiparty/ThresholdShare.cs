using System.Buffers.Binary;
using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Multiparty;

/// <summary>
/// f_from(α_to): a Shamir share of party <see cref="From"/>'s secret for party <see cref="To"/>. SECRET: the transport
/// must encrypt and authenticate it end to end (e.g. ECDH + AES-GCM); T of them reconstruct a secret key share.
/// Wire layout: header (round 0) ‖ from (LE16) ‖ to (LE16) ‖ threshold (LE16) ‖ party count (LE16) ‖ value packed.
/// </summary>
public sealed class ThresholdShare
{
    private const int FixedSize = WireHeader.Size + 8;

    internal ThresholdShare(HeParameters parameters, uint epoch, int from, int to, int threshold, int partyCount, Poly coeffs)
    {
        Parameters = parameters;
        Epoch = epoch;
        From = from;
        To = to;
        Threshold = threshold;
        PartyCount = partyCount;
        Coeffs = coeffs;
    }

    public HeParameters Parameters { get; }

    public uint Epoch { get; }

    public int From { get; }

    public int To { get; }

    public int Threshold { get; }

    public int PartyCount { get; }

    internal Poly Coeffs { get; }

    public int SerializedSize => FixedSize + Parameters.PolyPackedBytes;

    public byte[] ToBytes()
    {
        var dest = new byte[SerializedSize];
        WireHeader.For(Parameters, WireKind.ThresholdShare, Epoch, 0).Write(dest);
        Span<byte> d = dest.AsSpan(WireHeader.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)From);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], (ushort)To);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], (ushort)Threshold);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], (ushort)PartyCount);
        BitPacker.Pack(Parameters, Coeffs, dest.AsSpan(FixedSize));
        return dest;
    }

    public static ThresholdShare FromBytes(HeParameters parameters, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        WireHeader h = WireHeader.Read(source, parameters, WireKind.ThresholdShare);
        WireHeader.CheckLength(source, FixedSize + parameters.PolyPackedBytes, WireKind.ThresholdShare);
        ReadOnlySpan<byte> d = source[WireHeader.Size..];
        int from = BinaryPrimitives.ReadUInt16LittleEndian(d);
        int to = BinaryPrimitives.ReadUInt16LittleEndian(d[2..]);
        int t = BinaryPrimitives.ReadUInt16LittleEndian(d[4..]);
        int n = BinaryPrimitives.ReadUInt16LittleEndian(d[6..]);
        if (n < 2 || n > parameters.MaxParticipants || t < 1 || t > n || from < 1 || from > n || to < 1 || to > n || from == to)
        {
            throw new InvalidDataException($"ThresholdShare has inconsistent indices: from {from}, to {to}, threshold {t}, parties {n}.");
        }

        Poly p = parameters.Ring.NewPoly();
        BitPacker.Unpack(parameters, source[FixedSize..], p, $"ThresholdShare {from}→{to}");
        return new ThresholdShare(parameters, h.Epoch, from, to, t, n, p);
    }
}
