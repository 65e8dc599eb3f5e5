using System.Security.Cryptography.X509Certificates;
using Federated.Coordinator.Security;
using Federated.Federation.Security;

namespace Federated.Security.Tests.Security;

public sealed class CertificateTests : IDisposable
{
    private readonly TestPki _pki = TestPki.Create("certs");

    public void Dispose() => _pki.Dispose();

    private ClientCertificateValidator Validator() => new(_pki.Ca.Certificate, TimeProvider.System);

    [Theory]
    [InlineData("site-01", FederationRole.Participant)]
    [InlineData("Site.A_b-2", FederationRole.Operator)]
    [InlineData("res", FederationRole.Researcher)]
    public void Validate_IssuedCertificate_CarriesIdentity(string name, FederationRole role)
    {
        using var certificate = _pki.Client(name, role);
        Assert.True(Validator().TryValidate(certificate, out var identity, out string why), why);
        Assert.Equal((name, role, AuthenticationKind.Certificate), (identity!.Name, identity.Role, identity.Kind));
        Assert.Equal([IdentityUri.Format(name, role)], IdentityUri.ReadSanUris(certificate));
    }

    [Fact]
    public void Validate_OtherCa_Refused()
    {
        using var foreign = TestPki.Create("other");
        using var certificate = foreign.Client("site-01", FederationRole.Participant);
        Assert.False(Validator().TryValidate(certificate, out _, out string why));
        Assert.StartsWith("it was not issued by the consortium CA", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SelfSignedWithTheSameSubjectAsTheCa_Refused()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest(_pki.Ca.Certificate.SubjectName, key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(IdentityUri.Format("op", FederationRole.Operator)));
        request.CertificateExtensions.Add(san.Build());
        using var forged = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
        Assert.False(Validator().TryValidate(forged, out _, out _));
    }

    [Fact]
    public void Validate_Expired_RefusedNamingTheExpiry()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = _pki.Client("site-01", FederationRole.Participant, now.AddHours(-2), now.AddHours(-1));
        Assert.False(Validator().TryValidate(certificate, out _, out string why));
        Assert.StartsWith("it expired at ", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ServerCertificate_RefusedAsClient()
    {
        var server = _pki.Ca.IssueServer(["127.0.0.1"], TimeSpan.FromDays(1));
        using var certificate = server.Certificate;
        Assert.False(Validator().TryValidate(certificate, out _, out string why));
        Assert.Contains("NotValidForUsage", why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("urn:federated:participant:site-01", true)]
    [InlineData("urn:federated:admin:site-01", false)]
    [InlineData("urn:federated:participant:", false)]
    [InlineData("urn:federated:participant:a b", false)]
    [InlineData("urn:other:participant:site-01", false)]
    public void IdentityUri_TryParse(string uri, bool valid)
    {
        Assert.Equal(valid, IdentityUri.TryParse(uri, out _, out _));
    }

    [Fact]
    public void Load_WithoutCa_NamesTheMissingFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "federated-noca-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<FileNotFoundException>(() => ConsortiumCa.Load(dir, requireKey: false));
        Assert.Contains("ca.crt.pem is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_Twice_RefusedWithoutForce()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ConsortiumCa.Init(_pki.Directory, "again", TimeSpan.FromDays(1), overwrite: false));
        Assert.Contains("pass --force", ex.Message, StringComparison.Ordinal);
    }
}
