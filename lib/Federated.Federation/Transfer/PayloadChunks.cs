using System.Security.Cryptography;
using Federated.Federation.V1;
using Google.Protobuf;

namespace Federated.Federation.Transfer;

/// <summary>Splits payloads into <see cref="Chunk"/> messages and computes their digests.</summary>
public static class PayloadChunks
{
    /// <summary>The only digest algorithm defined by protocol v1.</summary>
    public const string Sha256Algorithm = "sha256";

    /// <summary>Number of chunks of at most <paramref name="chunkBytes"/> needed for <paramref name="totalBytes"/>.</summary>
    public static int Count(long totalBytes, int chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        return checked((int)((totalBytes + chunkBytes - 1) / chunkBytes));
    }

    /// <summary>
    /// The chunks of <paramref name="payload"/>, in order. The chunks wrap the payload without copying it, so the
    /// payload must not change until they have been sent.
    /// </summary>
    public static IEnumerable<Chunk> Split(ReadOnlyMemory<byte> payload, int chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        return Iterate(payload, chunkBytes);

        static IEnumerable<Chunk> Iterate(ReadOnlyMemory<byte> payload, int chunkBytes)
        {
            uint index = 0;
            for (int offset = 0; offset < payload.Length; offset += chunkBytes)
            {
                int length = Math.Min(chunkBytes, payload.Length - offset);
                yield return new Chunk
                {
                    Index = index++,
                    Offset = (ulong)offset,
                    Data = UnsafeByteOperations.UnsafeWrap(payload.Slice(offset, length)),
                };
            }
        }
    }

    /// <summary>SHA-256 of <paramref name="payload"/> as a trailer message.</summary>
    public static PayloadDigest Digest(ReadOnlySpan<byte> payload) => new()
    {
        Algorithm = Sha256Algorithm,
        Value = ByteString.CopyFrom(SHA256.HashData(payload)),
    };
}
