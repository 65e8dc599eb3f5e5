using System.Security.Cryptography.X509Certificates;

namespace Federated.Coordinator.Security;

/// <summary>A certificate the consortium CA issued, as PEM; the key is null when the requester kept it (CSR).</summary>
internal sealed record IssuedCertificate(X509Certificate2 Certificate, string CertificatePem, string? PrivateKeyPem)
{
    public string SerialNumber => Certificate.SerialNumber;

    /// <summary>SHA-256 fingerprint, lower-case hex.</summary>
    public string Fingerprint => Convert.ToHexStringLower(Certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
}
