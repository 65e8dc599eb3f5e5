using System.Buffers.Binary;
using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Multiparty;

/// <summary>
/// Party i's contribution p_i = −a·s_i + e_i to the collective key.
/// Wire layout: header (round 0) ‖ party index (LE16) ‖ p_i packed in coefficient form.
/// </summary>
public sealed class PublicKeyShare
{
    internal PublicKeyShare(HeParameters parameters, uint epoch, int partyIndex, Poly coeffs)
    {
        Parameters = parameters;
        Epoch = epoch;
        PartyIndex = partyIndex;
        Coeffs = coeffs;
    }

    public HeParameters Parameters { get; }

    public uint Epoch { get; }

    public int PartyIndex { get; }

    internal Poly Coeffs { get; }

    public int SerializedSize => WireHeader.Size + 2 + Parameters.PolyPackedBytes;

    public byte[] ToBytes()
    {
        var dest = new byte[SerializedSize];
        WireHeader.For(Parameters, WireKind.PublicKeyShare, Epoch, 0).Write(dest);
        BinaryPrimitives.WriteUInt16LittleEndian(dest.AsSpan(WireHeader.Size), (ushort)PartyIndex);
        BitPacker.Pack(Parameters, Coeffs, dest.AsSpan(WireHeader.Size + 2));
        return dest;
    }

    public static PublicKeyShare FromBytes(HeParameters parameters, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        WireHeader h = WireHeader.Read(source, parameters, WireKind.PublicKeyShare);
        WireHeader.CheckLength(source, WireHeader.Size + 2 + parameters.PolyPackedBytes, WireKind.PublicKeyShare);
        int party = BinaryPrimitives.ReadUInt16LittleEndian(source[WireHeader.Size..]);
        if (party < 1 || party > parameters.MaxParticipants)
        {
            throw new InvalidDataException($"PublicKeyShare party index {party} must be in [1, {parameters.MaxParticipants}].");
        }

        Poly p = parameters.Ring.NewPoly();
        BitPacker.Unpack(parameters, source[(WireHeader.Size + 2)..], p, $"PublicKeyShare of party {party}");
        return new PublicKeyShare(parameters, h.Epoch, party, p);
    }
}

/// <summary>Coordinator side of collective key generation: b = Σ p_i. Needs no secret; stateless and thread-safe.</summary>
public static class CollectiveKeyGen
{
    /// <summary>Aggregates serialized public-key shares (one per party, any order) into the collective public key.</summary>
    public static PublicKey Aggregate(HeParameters parameters, ReadOnlySpan<byte> commonSeed, IEnumerable<byte[]> serializedShares)
    {
        ArgumentNullException.ThrowIfNull(serializedShares);
        return Aggregate(parameters, commonSeed, serializedShares.Select(s => PublicKeyShare.FromBytes(parameters, s)));
    }

    public static PublicKey Aggregate(HeParameters parameters, ReadOnlySpan<byte> commonSeed, IEnumerable<PublicKeyShare> shares)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(shares);
        if (commonSeed.Length != CommonSeed.Size)
        {
            throw new ArgumentException($"The common seed must be {CommonSeed.Size} bytes.", nameof(commonSeed));
        }

        Poly b = parameters.Ring.NewPoly();
        var seen = new HashSet<int>();
        uint? epoch = null;
        foreach (PublicKeyShare s in shares)
        {
            if (s.Parameters.Fingerprint != parameters.Fingerprint)
            {
                throw new ArgumentException($"Share of party {s.PartyIndex} is for parameter set '{s.Parameters.Name}', not '{parameters.Name}'.", nameof(shares));
            }

            if (!seen.Add(s.PartyIndex))
            {
                throw new ArgumentException($"Two public-key shares from party {s.PartyIndex}.", nameof(shares));
            }

            if (epoch is { } e && e != s.Epoch)
            {
                throw new ArgumentException($"Public-key shares of epochs {e} and {s.Epoch} cannot be mixed.", nameof(shares));
            }

            epoch = s.Epoch;
            parameters.Ring.AddInPlace(b, s.Coeffs);
        }

        if (seen.Count < 2)
        {
            throw new ArgumentException("A collective key needs shares from at least two parties.", nameof(shares));
        }

        if (seen.Count > parameters.MaxParticipants)
        {
            throw new ArgumentException($"{seen.Count} key shares exceed P_max = {parameters.MaxParticipants} of '{parameters.Name}'.", nameof(shares));
        }

        parameters.Ring.Forward(b);
        return new PublicKey(parameters, epoch!.Value, commonSeed.ToArray(), seen.Count, b);
    }
}
