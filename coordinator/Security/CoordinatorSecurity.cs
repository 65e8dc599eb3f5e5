using System.Security.Cryptography.X509Certificates;

namespace Federated.Coordinator.Security;

/// <summary>The coordinator's loaded security material and mode, built once at start from <see cref="SecurityOptions"/>.</summary>
internal sealed class CoordinatorSecurity(SecurityOptions options, ConsortiumCa? ca, X509Certificate2? serverCertificate, string stateDirectory, TimeProvider time)
{
    public SecurityOptions Options { get; } = options;

    /// <summary>h2c on loopback with trusted anonymous callers (tests and benchmarks only).</summary>
    public bool Insecure => Options.AllowInsecureLoopback;

    /// <summary>The consortium CA (its key only when present in the directory), or null in insecure mode without a CA.</summary>
    public ConsortiumCa? Ca { get; } = ca;

    public X509Certificate2? ServerCertificate { get; } = serverCertificate;

    /// <summary>Where revocations.jsonl and audit.jsonl are kept.</summary>
    public string StateDirectory { get; } = stateDirectory;

    public ClientCertificateValidator? Certificates { get; } = ca is null ? null : new ClientCertificateValidator(ca.Certificate, time);
}
