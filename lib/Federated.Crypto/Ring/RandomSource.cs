using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Federated.Crypto.Ring;

/// <summary>A source of uniformly random bytes for the samplers.</summary>
internal interface IRandomSource
{
    void Fill(Span<byte> destination);
}

/// <summary>The operating system CSPRNG; every secret (keys, u, errors, smudging, Shamir coefficients) comes from here.</summary>
internal sealed class SystemRandomSource : IRandomSource
{
    public static SystemRandomSource Instance { get; } = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}

/// <summary>
/// A deterministic AES-256-CTR keystream for PUBLIC randomness (the common reference polynomial a).
/// Counter block i is LE64(i) ‖ LE64(domain); the keystream is the concatenation of AES_seed(block i).
/// This layout is pinned by a known-answer test: changing it breaks interoperability of collective keys.
/// </summary>
internal sealed class AesCtrKeyStream : IRandomSource, IDisposable
{
    private const int BufferBlocks = 256;
    private readonly Aes _aes;
    private readonly ulong _domain;
    private readonly byte[] _counterBlocks = new byte[BufferBlocks * 16];
    private readonly byte[] _buffer = new byte[BufferBlocks * 16];
    private ulong _counter;
    private int _available;

    public AesCtrKeyStream(ReadOnlySpan<byte> seed, ulong domain)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"The seed must be 32 bytes, got {seed.Length}.", nameof(seed));
        }

        _aes = Aes.Create();
        _aes.Key = seed.ToArray();
        _domain = domain;
    }

    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_available == 0)
            {
                Refill();
            }

            int take = Math.Min(_available, destination.Length);
            _buffer.AsSpan(_buffer.Length - _available, take).CopyTo(destination);
            _available -= take;
            destination = destination[take..];
        }
    }

    private void Refill()
    {
        for (int b = 0; b < BufferBlocks; b++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_counterBlocks.AsSpan(b * 16, 8), _counter++);
            BinaryPrimitives.WriteUInt64LittleEndian(_counterBlocks.AsSpan((b * 16) + 8, 8), _domain);
        }

        _aes.EncryptEcb(_counterBlocks, _buffer, PaddingMode.None);
        _available = _buffer.Length;
    }

    public void Dispose() => _aes.Dispose();
}
