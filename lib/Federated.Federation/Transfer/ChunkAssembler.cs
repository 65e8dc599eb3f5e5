using System.Globalization;
using System.Security.Cryptography;
using Federated.Federation.V1;
using Grpc.Core;

namespace Federated.Federation.Transfer;

/// <summary>
/// Reassembles one chunked payload and enforces the protocol's rules on it: consecutive indexes from 0, offsets
/// equal to the bytes received so far, a per-chunk and a total size limit, and a SHA-256 trailer. Every violation
/// is an <see cref="RpcException"/> with the status the protocol defines and a message naming the field, so the
/// same class serves the coordinator (uploads) and the participant (downloads).
/// </summary>
public sealed class ChunkAssembler : IDisposable
{
    // Hashing as chunks arrive overlaps the digest with the transfer instead of adding a pass at the end.
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer;
    private readonly int _maxChunkBytes;
    private readonly string _what;
    private long _received;
    private uint _nextIndex;

    /// <param name="declaredTotalBytes">The total the header announced.</param>
    /// <param name="maxChunkBytes">Largest chunk accepted.</param>
    /// <param name="maxTotalBytes">Largest total accepted.</param>
    /// <param name="what">Names the payload in messages, e.g. "update" or "global model".</param>
    public ChunkAssembler(ulong declaredTotalBytes, int maxChunkBytes, long maxTotalBytes, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunkBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTotalBytes);
        _what = what;
        _maxChunkBytes = maxChunkBytes;
        if (declaredTotalBytes == 0)
        {
            throw Fail(StatusCode.InvalidArgument, $"{what} total_bytes must be greater than 0");
        }
        if (declaredTotalBytes > (ulong)maxTotalBytes || declaredTotalBytes > (ulong)Array.MaxLength)
        {
            throw Fail(StatusCode.ResourceExhausted,
                $"{what} total_bytes {declaredTotalBytes} exceeds the limit of {Math.Min(maxTotalBytes, Array.MaxLength)} bytes");
        }
        _buffer = new byte[declaredTotalBytes];
    }

    /// <summary>Bytes received so far.</summary>
    public long ReceivedBytes => _received;

    /// <summary>Chunks received so far.</summary>
    public uint ReceivedChunks => _nextIndex;

    /// <summary>The declared total.</summary>
    public long TotalBytes => _buffer.Length;

    /// <summary>Copies one chunk into place after checking it.</summary>
    public void Add(Chunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        int length = chunk.Data.Length;
        if (length > _maxChunkBytes)
        {
            throw Fail(StatusCode.ResourceExhausted, $"{_what} chunk {chunk.Index} has {length} bytes; the limit is {_maxChunkBytes} bytes per chunk");
        }
        if (chunk.Index != _nextIndex)
        {
            throw Fail(StatusCode.InvalidArgument, $"{_what} chunk.index out of order: expected {_nextIndex}, got {chunk.Index}");
        }
        if (chunk.Offset != (ulong)_received)
        {
            throw Fail(StatusCode.InvalidArgument, $"{_what} chunk {chunk.Index}: chunk.offset expected {_received}, got {chunk.Offset}");
        }
        if (length == 0)
        {
            throw Fail(StatusCode.InvalidArgument, $"{_what} chunk {chunk.Index}: chunk.data is empty");
        }
        if (_received + length > _buffer.Length)
        {
            throw Fail(StatusCode.InvalidArgument,
                $"{_what} chunk {chunk.Index} ends at byte {_received + length}, past the declared total_bytes {_buffer.Length}");
        }
        chunk.Data.Span.CopyTo(_buffer.AsSpan((int)_received));
        _hash.AppendData(chunk.Data.Span);
        _received += length;
        _nextIndex++;
    }

    /// <summary>Checks completeness and the digest; returns the payload.</summary>
    public byte[] Complete(PayloadDigest? digest)
    {
        if (_received != _buffer.Length)
        {
            throw Fail(StatusCode.InvalidArgument, $"{_what} incomplete: received {_received} of the declared {_buffer.Length} bytes");
        }
        if (digest is null)
        {
            throw Fail(StatusCode.InvalidArgument, $"{_what} trailer missing: the stream must end with a sha256 digest");
        }
        if (!string.Equals(digest.Algorithm, PayloadChunks.Sha256Algorithm, StringComparison.Ordinal))
        {
            throw Fail(StatusCode.InvalidArgument, $"{_what} trailer.algorithm: expected \"{PayloadChunks.Sha256Algorithm}\", got \"{digest.Algorithm}\"");
        }
        var actual = _hash.GetHashAndReset();
        if (!CryptographicOperations.FixedTimeEquals(actual, digest.Value.Span))
        {
            throw Fail(StatusCode.InvalidArgument, $"{_what} trailer.value: sha256 digest does not match the received bytes");
        }
        return _buffer;
    }

    public void Dispose() => _hash.Dispose();

    private static RpcException Fail(StatusCode code, FormattableString message) =>
        new(new Status(code, message.ToString(CultureInfo.InvariantCulture)));
}
