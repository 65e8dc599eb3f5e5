using System.Security.Cryptography.X509Certificates;
using Federated.Coordinator.Security;
using Federated.Federation.Security;

namespace Federated.Security.Tests;

/// <summary>A throwaway consortium CA in a temp directory, with helpers to issue identities for tests.</summary>
internal sealed class TestPki : IDisposable
{
    private TestPki(string directory, ConsortiumCa ca)
    {
        Directory = directory;
        Ca = ca;
    }

    public string Directory { get; }
    public ConsortiumCa Ca { get; }

    /// <summary>A CA with a server certificate for 127.0.0.1 and localhost.</summary>
    public static TestPki Create(string name = "test")
    {
        string dir = Path.Combine(Path.GetTempPath(), $"federated-security-{name}-{Guid.NewGuid():N}");
        var ca = ConsortiumCa.Init(dir, $"Test CA {name}", TimeSpan.FromDays(2), overwrite: false);
        var server = ca.IssueServer(["127.0.0.1", "localhost"], TimeSpan.FromDays(1));
        ConsortiumCa.WritePublic(Path.Combine(dir, CaFiles.ServerCertificate), server.CertificatePem);
        ConsortiumCa.WriteSecret(Path.Combine(dir, CaFiles.ServerKey), server.PrivateKeyPem!);
        server.Certificate.Dispose();
        return new TestPki(dir, ca);
    }

    /// <summary>A client certificate with its key, usable for TLS.</summary>
    public X509Certificate2 Client(string name, FederationRole role, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var issued = Ca.IssueClient(name, role, TimeSpan.FromDays(1), null, notBefore, notAfter);
        using var pem = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);
        issued.Certificate.Dispose();
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public string Token(string name, FederationRole role, TimeSpan? lifetime = null) => Ca.IssueToken(name, role, lifetime ?? TimeSpan.FromHours(1));

    /// <summary>A fresh copy of the CA certificate (public part) for a client's trust anchor.</summary>
    public X509Certificate2 Anchor() => X509Certificate2.CreateFromPem(Ca.Certificate.ExportCertificatePem());

    public void Dispose()
    {
        Ca.Dispose();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
