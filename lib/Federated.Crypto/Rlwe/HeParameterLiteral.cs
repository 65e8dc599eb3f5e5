namespace Federated.Crypto.Rlwe;

/// <summary>
/// The bindable description of a parameter set (e.g. from configuration). Nothing is checked here:
/// <see cref="HeParameters.Create"/> validates it and refuses insecure or inconsistent values.
/// </summary>
public sealed record HeParameterLiteral
{
    /// <summary>Human-readable name, used in error messages.</summary>
    public string Name { get; init; } = "";

    /// <summary>Identifier written into every wire object's header.</summary>
    public ushort Id { get; init; }

    /// <summary>log2 of the ring degree N.</summary>
    public int LogN { get; init; }

    /// <summary>The RNS primes q_i; each must be prime, ≡ 1 mod 2N and below 2^62.</summary>
    public IReadOnlyList<ulong> Moduli { get; init; } = [];

    /// <summary>Clipping bound X_max: encoded values are clipped to [−X_max, X_max].</summary>
    public double MaxAbsValue { get; init; }

    /// <summary>Fixed-point fractional bits f: a value x is encoded as round(x · 2^f).</summary>
    public int FractionalBits { get; init; }

    /// <summary>P_max: the largest number of ciphertexts summed and of decryption shares combined.</summary>
    public int MaxParticipants { get; init; }

    /// <summary>D: decryptions (ciphertext chunks) a key may serve before it must be rotated; sizes the smudging noise.</summary>
    public long MaxDecryptionsPerKey { get; init; }

    /// <summary>
    /// Allows sets below 128-bit security. ONLY for tests that need small rings; such sets are labelled insecure
    /// in <see cref="HeParameters.ToString"/>.
    /// </summary>
    public bool InsecureForTestingOnly { get; init; }
}
