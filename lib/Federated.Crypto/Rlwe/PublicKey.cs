using System.Buffers.Binary;
using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>
/// The collective public key (b = Σ p_i = −a·s + e, a from the common seed). Immutable, thread-safe.
/// Wire layout: header (round = 0) ‖ seed (32) ‖ party count (LE16) ‖ b packed in coefficient form.
/// </summary>
public sealed class PublicKey
{
    internal PublicKey(HeParameters parameters, uint epoch, byte[] seed, int partyCount, Poly bNtt)
    {
        Parameters = parameters;
        Epoch = epoch;
        Seed = seed;
        PartyCount = partyCount;
        BNtt = bNtt;
        B = new ShoupPoly(parameters.Ring, bNtt);
        A = new ShoupPoly(parameters.Ring, CommonReference.ExpandA(parameters, seed));
    }

    public HeParameters Parameters { get; }

    /// <summary>Key epoch: bumped at each key rotation, carried by every ciphertext made under this key.</summary>
    public uint Epoch { get; }

    /// <summary>Number of key shares aggregated into it.</summary>
    public int PartyCount { get; }

    internal byte[] Seed { get; }

    internal Poly BNtt { get; }

    internal ShoupPoly B { get; }

    internal ShoupPoly A { get; }

    public ReadOnlySpan<byte> CommonSeed => Seed;

    public int SerializedSize => WireHeader.Size + CommonReference.SeedSize + 2 + Parameters.PolyPackedBytes;

    public byte[] ToBytes()
    {
        var dest = new byte[SerializedSize];
        WireHeader.For(Parameters, WireKind.PublicKey, Epoch, 0).Write(dest);
        Seed.CopyTo(dest, WireHeader.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(dest.AsSpan(WireHeader.Size + CommonReference.SeedSize), (ushort)PartyCount);
        Poly b = BNtt.Clone();
        Parameters.Ring.Inverse(b);
        BitPacker.Pack(Parameters, b, dest.AsSpan(WireHeader.Size + CommonReference.SeedSize + 2));
        return dest;
    }

    public static PublicKey FromBytes(HeParameters parameters, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        WireHeader h = WireHeader.Read(source, parameters, WireKind.PublicKey);
        WireHeader.CheckLength(source, WireHeader.Size + CommonReference.SeedSize + 2 + parameters.PolyPackedBytes, WireKind.PublicKey);
        byte[] seed = source.Slice(WireHeader.Size, CommonReference.SeedSize).ToArray();
        int parties = BinaryPrimitives.ReadUInt16LittleEndian(source[(WireHeader.Size + CommonReference.SeedSize)..]);
        if (parties < 1 || parties > parameters.MaxParticipants)
        {
            throw new InvalidDataException($"PublicKey claims {parties} parties; must be in [1, {parameters.MaxParticipants}].");
        }

        Poly b = parameters.Ring.NewPoly();
        BitPacker.Unpack(parameters, source[(WireHeader.Size + CommonReference.SeedSize + 2)..], b, "PublicKey b");
        parameters.Ring.Forward(b);
        return new PublicKey(parameters, h.Epoch, seed, parties, b);
    }
}
