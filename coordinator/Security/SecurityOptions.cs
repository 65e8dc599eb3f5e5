namespace Federated.Coordinator.Security;

/// <summary>
/// Transport security and access control of the coordinator, bound from the "Security" section. TLS with client
/// certificates is the default; see docs/security.md.
/// </summary>
internal sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>
    /// The consortium CA directory written by <c>coordinator ca init</c>: ca.crt.pem (the only trust anchor for
    /// client certificates), token.key (verifies bearer tokens), ca.key.pem (optional; lets operators enrol over
    /// the admin API), server.crt.pem and server.key.pem (the coordinator's TLS certificate). Required unless
    /// <see cref="AllowInsecureLoopback"/> is set.
    /// </summary>
    public string? CaDir { get; set; }

    /// <summary>PEM certificate Kestrel serves. Default CaDir/server.crt.pem.</summary>
    public string? ServerCertificate { get; set; }

    /// <summary>PEM private key of <see cref="ServerCertificate"/>. Default CaDir/server.key.pem.</summary>
    public string? ServerKey { get; set; }

    /// <summary>Where revocations.jsonl and audit.jsonl live. Default CaDir, or Federation:OutDir without a CA.</summary>
    public string? StateDir { get; set; }

    /// <summary>
    /// Serve h2c (no TLS) on loopback addresses only, and treat callers without an identity as trusted local callers
    /// with every role. For tests and benchmarks; logged as a warning. Default false.
    /// </summary>
    public bool AllowInsecureLoopback { get; set; }

    /// <summary>The run waits for an operator's StartRun before its first round. Default false (starts at once).</summary>
    public bool RequireOperatorStart { get; set; }

    /// <summary>Validity of certificates issued through the admin API's Enroll when the request names none. Default 90 days.</summary>
    public TimeSpan EnrollValidity { get; set; } = TimeSpan.FromDays(90);
}
