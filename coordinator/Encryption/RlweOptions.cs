namespace Federated.Coordinator.Encryption;

/// <summary>
/// Settings of encrypted rounds (section "Federation:Rlwe"), used when <c>Federation:Encryption</c> is "rlwe".
/// Defaults: see docs/crypto.md ("Encrypted rounds") for why.
/// </summary>
internal sealed class RlweOptions
{
    /// <summary>RLWE parameter set: "compact" (default; N = 8192, 2 primes, D = 128) or "long-lived" (3 primes, D = 2^20).</summary>
    public string ParameterSet { get; set; } = "compact";

    /// <summary>T of T-of-N decryption; 0 (default) means ⌈2N/3⌉ of the N key parties.</summary>
    public int Threshold { get; set; }

    /// <summary>Fixed-point fractional bits F of weighted deltas (resolution 2^-F). Default 40.</summary>
    public int FractionalBits { get; set; } = 40;

    /// <summary>Each delta element is clipped to ±Clip before encryption. Default 64.</summary>
    public double Clip { get; set; } = 64;

    /// <summary>Public sample cap n_cap: weights are min(n, n_cap). Default 100 000.</summary>
    public long SampleCap { get; set; } = 100_000;

    /// <summary>Decryptions (ciphertext chunks) per key before it is rotated; 0 (default) = the parameter set's D.</summary>
    public long MaxDecryptionsPerKey { get; set; }

    /// <summary>Time a key ceremony may take before it is abandoned. Default 2 minutes.</summary>
    public TimeSpan CeremonyDeadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Time a collective decryption may take before the round attempt is abandoned. Default 2 minutes.</summary>
    public TimeSpan DecryptionDeadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The default threshold for <paramref name="parties"/> key parties: ⌈2N/3⌉, at least 2.</summary>
    public static int DefaultThreshold(int parties) => Math.Max(2, ((2 * parties) + 2) / 3);
}
