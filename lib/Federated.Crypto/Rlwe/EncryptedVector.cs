using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>One RLWE ciphertext (c0, c1) in coefficient form, c0 + c1·s = Δ·M + noise.</summary>
internal sealed class Ciphertext(Poly c0, Poly c1)
{
    public Poly C0 { get; } = c0;

    public Poly C1 { get; } = c1;
}

/// <summary>
/// An encrypted real vector (plus its companion scalar) as as many ciphertexts as it needs, or a sum of such vectors.
/// Wire layout: header ‖ contributors (LE32) ‖ value count (LE32) ‖ per chunk: c0 packed ‖ c1 packed.
/// Not thread-safe for concurrent mutation.
/// </summary>
public sealed class EncryptedVector
{
    /// <summary>Largest vector accepted from the wire (2^28 values), so a forged header cannot force a huge allocation.</summary>
    public const int MaxValueCount = 1 << 28;
    private const int FixedSize = WireHeader.Size + 8;

    internal EncryptedVector(HeParameters parameters, uint epoch, ulong round, int valueCount, int contributors, Ciphertext[] chunks)
    {
        Parameters = parameters;
        Epoch = epoch;
        Round = round;
        ValueCount = valueCount;
        Contributors = contributors;
        Chunks = chunks;
    }

    public HeParameters Parameters { get; }

    /// <summary>Epoch of the collective key it was encrypted under.</summary>
    public uint Epoch { get; }

    public ulong Round { get; }

    /// <summary>Number of real values (the companion scalar is extra).</summary>
    public int ValueCount { get; }

    /// <summary>Number of fresh ciphertexts summed into this one (1 for a fresh encryption).</summary>
    public int Contributors { get; private set; }

    public int ChunkCount => Chunks.Length;

    internal Ciphertext[] Chunks { get; }

    /// <summary>Wire size of a vector of <paramref name="valueCount"/> values under <paramref name="p"/>.</summary>
    public static int GetSerializedSize(HeParameters p, int valueCount)
    {
        ArgumentNullException.ThrowIfNull(p);
        return checked(FixedSize + (p.ChunkCount(valueCount) * 2 * p.PolyPackedBytes));
    }

    public int SerializedSize => GetSerializedSize(Parameters, ValueCount);

    public byte[] ToBytes()
    {
        var b = new byte[SerializedSize];
        WriteTo(b);
        return b;
    }

    public int WriteTo(Span<byte> destination)
    {
        int size = SerializedSize;
        if (destination.Length < size)
        {
            throw new ArgumentException($"Destination needs {size} bytes, has {destination.Length}.", nameof(destination));
        }

        WriteHeader(Parameters, Epoch, Round, Contributors, ValueCount, destination);
        int off = FixedSize;
        foreach (Ciphertext ct in Chunks)
        {
            BitPacker.Pack(Parameters, ct.C0, destination[off..]);
            off += Parameters.PolyPackedBytes;
            BitPacker.Pack(Parameters, ct.C1, destination[off..]);
            off += Parameters.PolyPackedBytes;
        }

        return size;
    }

    internal static void WriteHeader(HeParameters p, uint epoch, ulong round, int contributors, int valueCount, Span<byte> destination)
    {
        WireHeader.For(p, WireKind.Ciphertext, epoch, round).Write(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[WireHeader.Size..], (uint)contributors);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(WireHeader.Size + 4)..], (uint)valueCount);
    }

    /// <summary>Header fields of a serialized vector after full validation of everything but the residues.</summary>
    internal static (WireHeader Header, int Contributors, int ValueCount) ReadPrefix(HeParameters p, ReadOnlySpan<byte> src)
    {
        WireHeader h = WireHeader.Read(src, p, WireKind.Ciphertext);
        if (src.Length < FixedSize)
        {
            throw new InvalidDataException($"Truncated Ciphertext: expected at least {FixedSize} bytes, got {src.Length}.");
        }

        uint contributors = BinaryPrimitives.ReadUInt32LittleEndian(src[WireHeader.Size..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(src[(WireHeader.Size + 4)..]);
        if (contributors < 1 || contributors > (uint)p.MaxParticipants)
        {
            throw new InvalidDataException($"Ciphertext claims {contributors} contributors; must be in [1, {p.MaxParticipants}] (P_max of '{p.Name}').");
        }

        if (count > MaxValueCount)
        {
            throw new InvalidDataException($"Ciphertext claims {count} values; at most {MaxValueCount} are accepted.");
        }

        // Bound the size in 64 bits before any int arithmetic: a forged count must read as malformed input
        // (InvalidDataException), not escape as OverflowException.
        long expected = FixedSize + ((long)p.ChunkCount((int)count) * 2 * p.PolyPackedBytes);
        WireHeader.CheckLength(src, expected, WireKind.Ciphertext);
        return (h, (int)contributors, (int)count);
    }

    public static EncryptedVector FromBytes(HeParameters parameters, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var (h, contributors, count) = ReadPrefix(parameters, source);
        int chunks = parameters.ChunkCount(count);
        var cts = new Ciphertext[chunks];
        int off = FixedSize;
        for (int c = 0; c < chunks; c++)
        {
            var c0 = parameters.Ring.NewPoly();
            var c1 = parameters.Ring.NewPoly();
            BitPacker.Unpack(parameters, source[off..], c0, $"Ciphertext chunk {c} c0");
            off += parameters.PolyPackedBytes;
            BitPacker.Unpack(parameters, source[off..], c1, $"Ciphertext chunk {c} c1");
            off += parameters.PolyPackedBytes;
            cts[c] = new Ciphertext(c0, c1);
        }

        return new EncryptedVector(parameters, h.Epoch, h.Round, count, contributors, cts);
    }

    /// <summary>Adds <paramref name="other"/> into this vector (component-wise mod each q_i); no key needed.</summary>
    public void AddInPlace(EncryptedVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckCompatible(other.Parameters, other.Epoch, other.Round, other.ValueCount);
        if ((long)Contributors + other.Contributors > Parameters.MaxParticipants)
        {
            throw new InvalidOperationException($"Adding would sum {Contributors + other.Contributors} contributions, above P_max = {Parameters.MaxParticipants}: the decoded sum could overflow.");
        }

        RingQ ring = Parameters.Ring;
        for (int c = 0; c < Chunks.Length; c++)
        {
            ring.AddInPlace(Chunks[c].C0, other.Chunks[c].C0);
            ring.AddInPlace(Chunks[c].C1, other.Chunks[c].C1);
        }

        Contributors += other.Contributors;
    }

    internal void AddContributors(int n) => Contributors += n;

    internal void CheckCompatible(HeParameters p, uint epoch, ulong round, int valueCount)
    {
        if (!ReferenceEquals(p, Parameters) && p.Fingerprint != Parameters.Fingerprint)
        {
            throw new InvalidOperationException($"Cannot add ciphertexts of parameter sets '{Parameters.Name}' and '{p.Name}'.");
        }

        if (epoch != Epoch)
        {
            throw new InvalidOperationException($"Cannot add a ciphertext of key epoch {epoch} to one of epoch {Epoch}.");
        }

        if (round != Round)
        {
            throw new InvalidOperationException($"Cannot add a ciphertext of round {round} to one of round {Round}.");
        }

        if (valueCount != ValueCount)
        {
            throw new InvalidOperationException($"Cannot add a vector of {valueCount} values to one of {ValueCount}.");
        }
    }

    /// <summary>SHA-256 of one chunk's c1: what a participant logs to refuse a second decryption of the same ciphertext.</summary>
    internal static byte[] HashC1(Ciphertext ct) => SHA256.HashData(MemoryMarshal.AsBytes(ct.C1.Coeffs.AsSpan()));

    /// <summary>Binds decryption shares to this aggregate: SHA-256 over the c1 hashes of all chunks.</summary>
    internal byte[] Digest()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Ciphertext ct in Chunks)
        {
            h.AppendData(HashC1(ct));
        }

        return h.GetHashAndReset();
    }
}
