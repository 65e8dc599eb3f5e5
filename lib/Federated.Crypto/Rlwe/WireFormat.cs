using System.Buffers.Binary;
using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>The kinds of wire object; the byte after the version in every header.</summary>
public enum WireKind : byte
{
    PublicKeyShare = 1,
    PublicKey = 2,
    Ciphertext = 3,
    DecryptionShare = 4,
    ThresholdShare = 5,
}

/// <summary>
/// Common 24-byte header of every wire object:
/// magic "FDHE" ‖ version (1) ‖ kind (1) ‖ parameter-set id (LE16) ‖ parameter fingerprint (LE32) ‖ key epoch (LE32) ‖ round (LE64).
/// </summary>
internal readonly record struct WireHeader(WireKind Kind, ushort ParameterId, uint Fingerprint, uint Epoch, ulong Round)
{
    public const int Size = 24;
    public const byte CurrentVersion = 1;
    private const uint Magic = 0x45484446; // "FDHE" little-endian

    public static WireHeader For(HeParameters p, WireKind kind, uint epoch, ulong round) => new(kind, p.Id, p.Fingerprint, epoch, round);

    public void Write(Span<byte> dest)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(dest, Magic);
        dest[4] = CurrentVersion;
        dest[5] = (byte)Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(dest[6..], ParameterId);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[8..], Fingerprint);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[12..], Epoch);
        BinaryPrimitives.WriteUInt64LittleEndian(dest[16..], Round);
    }

    /// <summary>Reads and checks a header against the expected kind and parameter set.</summary>
    public static WireHeader Read(ReadOnlySpan<byte> src, HeParameters p, WireKind expected)
    {
        if (src.Length < Size)
        {
            throw new InvalidDataException($"Truncated {expected}: {src.Length} bytes is shorter than the {Size}-byte header.");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(src) != Magic)
        {
            throw new InvalidDataException($"Not a Federated.Crypto object: bad magic (expected \"FDHE\") while reading a {expected}.");
        }

        if (src[4] != CurrentVersion)
        {
            throw new InvalidDataException($"Unsupported wire version {src[4]} (this library reads version {CurrentVersion}).");
        }

        var kind = (WireKind)src[5];
        if (kind != expected)
        {
            string got = Enum.IsDefined(kind) ? kind.ToString() : $"unknown kind {src[5]}";
            throw new InvalidDataException($"Expected a {expected} but the header says {got}.");
        }

        ushort id = BinaryPrimitives.ReadUInt16LittleEndian(src[6..]);
        if (id != p.Id)
        {
            throw new InvalidDataException($"{expected} was made for parameter set id {id}, not {p.Id} ('{p.Name}').");
        }

        uint fp = BinaryPrimitives.ReadUInt32LittleEndian(src[8..]);
        if (fp != p.Fingerprint)
        {
            throw new InvalidDataException($"{expected} parameter fingerprint {fp:x8} does not match '{p.Name}' ({p.Fingerprint:x8}): the sets differ.");
        }

        return new WireHeader(kind, id, fp, BinaryPrimitives.ReadUInt32LittleEndian(src[12..]), BinaryPrimitives.ReadUInt64LittleEndian(src[16..]));
    }

    /// <remarks>
    /// <paramref name="expected"/> is 64-bit so that a size computed from claimed counts cannot overflow: a forged
    /// count yields <see cref="InvalidDataException"/>, never <see cref="OverflowException"/>.
    /// </remarks>
    public static void CheckLength(ReadOnlySpan<byte> src, long expected, WireKind kind)
    {
        if (src.Length < expected)
        {
            throw new InvalidDataException($"Truncated {kind}: expected {expected} bytes, got {src.Length}.");
        }

        if (src.Length > expected)
        {
            throw new InvalidDataException($"Oversized {kind}: expected {expected} bytes, got {src.Length} ({src.Length - expected} trailing).");
        }
    }
}

/// <summary>
/// Residues packed little-endian at the bit width of their prime, prime after prime, each polynomial padded to a byte.
/// Unpacking rejects residues ≥ q_i and non-zero padding, so every accepted encoding is canonical.
/// </summary>
internal static unsafe class BitPacker
{
    public static void Pack(HeParameters p, Poly poly, Span<byte> dest)
    {
        Span<byte> d = dest[..p.PolyPackedBytes];
        d.Clear();
        long bit = 0;
        int n = p.N;
        fixed (byte* bp = d)
        fixed (ulong* cp = poly.Coeffs)
        {
            for (int l = 0; l < p.ModulusCount; l++)
            {
                int w = p.ModuliBitWidths[l];
                ulong* src = cp + ((long)l * n);
                for (int i = 0; i < n; i++)
                {
                    long byteIdx = bit >> 3;
                    int sh = (int)(bit & 7);
                    ulong v = src[i];
                    if (sh + w <= 64 && byteIdx + 8 <= d.Length)
                    {
                        ulong* at = (ulong*)(bp + byteIdx);
                        *at |= v << sh;
                    }
                    else
                    {
                        WriteSlow(bp, bit, v, w);
                    }

                    bit += w;
                }
            }
        }
    }

    private static void WriteSlow(byte* bp, long bit, ulong v, int w)
    {
        for (int k = 0; k < w; k++)
        {
            long b = bit + k;
            if (((v >> k) & 1) != 0)
            {
                bp[b >> 3] |= (byte)(1 << (int)(b & 7));
            }
        }
    }

    /// <summary>Unpacks into <paramref name="poly"/>; throws <see cref="InvalidDataException"/> naming the bad residue.</summary>
    public static void Unpack(HeParameters p, ReadOnlySpan<byte> src, Poly poly, string what)
    {
        ReadOnlySpan<byte> s = src[..p.PolyPackedBytes];
        long bit = 0;
        int n = p.N;
        fixed (byte* bp = s)
        fixed (ulong* cp = poly.Coeffs)
        {
            for (int l = 0; l < p.ModulusCount; l++)
            {
                int w = p.ModuliBitWidths[l];
                ulong mask = w == 64 ? ulong.MaxValue : (1UL << w) - 1;
                ulong q = p.Ring.Moduli[l].Value;
                ulong* dst = cp + ((long)l * n);
                ulong bad = 0;
                for (int i = 0; i < n; i++)
                {
                    long byteIdx = bit >> 3;
                    int sh = (int)(bit & 7);
                    ulong v = sh + w <= 64 && byteIdx + 8 <= s.Length
                        ? (*(ulong*)(bp + byteIdx) >> sh) & mask
                        : ReadSlow(bp, bit, w);
                    dst[i] = v;
                    // Accumulate the range check branch-free; locate the culprit only on failure.
                    bad |= (ulong)((long)(q - 1 - v) >> 63);
                    bit += w;
                }

                if (bad != 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (dst[i] >= q)
                        {
                            throw new InvalidDataException($"{what}: residue {dst[i]} at prime {l}, coefficient {i} is out of range (must be < q_{l} = {q}).");
                        }
                    }
                }
            }

            long used = bit;
            for (long b = used; b < (long)s.Length * 8; b++)
            {
                if ((bp[b >> 3] & (1 << (int)(b & 7))) != 0)
                {
                    throw new InvalidDataException($"{what}: non-zero padding bits after the residues.");
                }
            }
        }
    }

    private static ulong ReadSlow(byte* bp, long bit, int w)
    {
        ulong v = 0;
        for (int k = 0; k < w; k++)
        {
            long b = bit + k;
            v |= (ulong)((bp[b >> 3] >> (int)(b & 7)) & 1) << k;
        }

        return v;
    }
}
