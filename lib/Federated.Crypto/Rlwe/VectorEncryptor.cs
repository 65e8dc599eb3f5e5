using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>
/// Public-key encryption of real vectors under the collective key: per chunk c0 = b·u + e0 + Δ·M, c1 = a·u + e1.
/// An instance reuses scratch buffers, so it is NOT thread-safe: use one per thread (they are cheap).
/// </summary>
public sealed class VectorEncryptor
{
    private readonly HeParameters _p;
    private readonly PublicKey _pk;
    private readonly long[] _u;
    private readonly long[] _e0;
    private readonly long[] _e1;
    private readonly long[] _m;
    private readonly Poly _uNtt;
    private readonly Poly _c0;
    private readonly Poly _c1;

    public VectorEncryptor(PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        _pk = publicKey;
        _p = publicKey.Parameters;
        int n = _p.N;
        _u = new long[n];
        _e0 = new long[n];
        _e1 = new long[n];
        _m = new long[n];
        _uNtt = _p.Ring.NewPoly();
        _c0 = _p.Ring.NewPoly();
        _c1 = _p.Ring.NewPoly();
    }

    public HeParameters Parameters => _p;

    /// <summary>Bytes <see cref="Encrypt(ReadOnlySpan{double}, long, ulong, Span{byte})"/> writes for a vector of this length.</summary>
    public int GetCiphertextSize(int valueCount) => EncryptedVector.GetSerializedSize(_p, valueCount);

    /// <summary>Encodes and encrypts <paramref name="values"/> (clipped to ±X_max) with an integer companion scalar into wire bytes.</summary>
    public byte[] Encrypt(ReadOnlySpan<double> values, long companion, ulong round)
    {
        var dest = new byte[GetCiphertextSize(values.Length)];
        Encrypt(values, companion, round, dest);
        return dest;
    }

    /// <inheritdoc cref="Encrypt(ReadOnlySpan{double}, long, ulong)"/>
    public byte[] Encrypt(ReadOnlySpan<float> values, long companion, ulong round)
    {
        var dest = new byte[GetCiphertextSize(values.Length)];
        Encrypt(values, companion, round, dest);
        return dest;
    }

    /// <summary>Allocation-free variant: writes into <paramref name="destination"/> and returns the byte count.</summary>
    public int Encrypt(ReadOnlySpan<double> values, long companion, ulong round, Span<byte> destination)
    {
        int size = Prepare(values.Length, companion, round, destination);
        int chunks = _p.ChunkCount(values.Length);
        int off = EncryptedVectorHeaderSize;
        for (int c = 0; c < chunks; c++)
        {
            FixedPointEncoder.EncodeChunk(_p, values, companion, c, _m);
            EncryptChunk(_c0, _c1);
            off = WriteChunk(destination, off);
        }

        Wipe();
        return size;
    }

    /// <inheritdoc cref="Encrypt(ReadOnlySpan{double}, long, ulong, Span{byte})"/>
    public int Encrypt(ReadOnlySpan<float> values, long companion, ulong round, Span<byte> destination)
    {
        int size = Prepare(values.Length, companion, round, destination);
        int chunks = _p.ChunkCount(values.Length);
        int off = EncryptedVectorHeaderSize;
        for (int c = 0; c < chunks; c++)
        {
            FixedPointEncoder.EncodeChunk(_p, values, companion, c, _m);
            EncryptChunk(_c0, _c1);
            off = WriteChunk(destination, off);
        }

        Wipe();
        return size;
    }

    /// <summary>In-memory variant (no serialization), for callers that add locally before sending.</summary>
    public EncryptedVector EncryptVector(ReadOnlySpan<double> values, long companion, ulong round)
    {
        Prepare(values.Length, companion, round, Span<byte>.Empty, writeHeader: false);
        int chunks = _p.ChunkCount(values.Length);
        var cts = new Ciphertext[chunks];
        for (int c = 0; c < chunks; c++)
        {
            FixedPointEncoder.EncodeChunk(_p, values, companion, c, _m);
            var c0 = _p.Ring.NewPoly();
            var c1 = _p.Ring.NewPoly();
            EncryptChunk(c0, c1);
            cts[c] = new Ciphertext(c0, c1);
        }

        Wipe();
        return new EncryptedVector(_p, _pk.Epoch, round, values.Length, 1, cts);
    }

    private const int EncryptedVectorHeaderSize = WireHeader.Size + 8;

    private int Prepare(int valueCount, long companion, ulong round, Span<byte> destination, bool writeHeader = true)
    {
        if (round == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(round), "Round 0 is reserved for keys; name the round being encrypted for.");
        }

        if (valueCount > EncryptedVector.MaxValueCount)
        {
            throw new ArgumentOutOfRangeException(nameof(valueCount), valueCount, $"At most {EncryptedVector.MaxValueCount} values per vector.");
        }

        if (companion < -_p.MaxEncodedMagnitude || companion > _p.MaxEncodedMagnitude)
        {
            throw new ArgumentOutOfRangeException(nameof(companion), companion, $"The companion scalar must lie in ±{_p.MaxEncodedMagnitude} (X_max · 2^f) so P_max of them cannot overflow.");
        }

        int size = GetCiphertextSize(valueCount);
        if (writeHeader)
        {
            if (destination.Length < size)
            {
                throw new ArgumentException($"Destination needs {size} bytes, has {destination.Length}.", nameof(destination));
            }

            EncryptedVector.WriteHeader(_p, _pk.Epoch, round, 1, valueCount, destination);
        }

        return size;
    }

    private void EncryptChunk(Poly c0, Poly c1)
    {
        RingQ ring = _p.Ring;
        SystemRandomSource rng = SystemRandomSource.Instance;
        TernarySampler.Sample(rng, _u);
        CenteredBinomialSampler.Sample(rng, _e0);
        CenteredBinomialSampler.Sample(rng, _e1);
        ring.SetSmall(_u, _uNtt);
        ring.Forward(_uNtt);
        ring.MulCoeffsShoup(_uNtt, _pk.B, c0);
        ring.Inverse(c0);
        FixedPointEncoder.AddScaledWithError(_p, c0, _m, _e0);
        ring.MulCoeffsShoup(_uNtt, _pk.A, c1);
        ring.Inverse(c1);
        ring.AddSmallInPlace(c1, _e1);
    }

    private int WriteChunk(Span<byte> destination, int off)
    {
        BitPacker.Pack(_p, _c0, destination[off..]);
        off += _p.PolyPackedBytes;
        BitPacker.Pack(_p, _c1, destination[off..]);
        return off + _p.PolyPackedBytes;
    }

    /// <summary>u and the errors would let anyone strip the encryption off c0: erase them after each call.</summary>
    private void Wipe()
    {
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_u.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_e0.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_e1.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_m.AsSpan()));
        _uNtt.Wipe();
        _c0.Clear();
        _c1.Clear();
    }
}
