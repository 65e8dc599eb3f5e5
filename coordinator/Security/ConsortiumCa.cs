using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Federated.Federation.Security;

namespace Federated.Coordinator.Security;

/// <summary>
/// The consortium's certificate authority: an ECDSA P-256 root that issues client certificates (one identity and
/// role each, see <see cref="IdentityUri"/>), the coordinator's server certificate, and the HMAC key of bearer
/// tokens. Lives in a directory (see <see cref="CaFiles"/>); private keys are written readable by the owner only.
/// </summary>
internal sealed class ConsortiumCa : IDisposable
{
    public const string Organization = "Federated consortium";
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private readonly ECDsa? _key;
    private readonly byte[]? _tokenKey;

    private ConsortiumCa(string directory, X509Certificate2 certificate, ECDsa? key, byte[]? tokenKey)
    {
        Directory = directory;
        Certificate = certificate;
        _key = key;
        _tokenKey = tokenKey;
    }

    public string Directory { get; }

    /// <summary>The CA certificate (public part).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>True when the CA's private key was loaded, so certificates can be issued.</summary>
    public bool CanIssue => _key is not null;

    /// <summary>The bearer-token HMAC key, or null when the directory has none.</summary>
    public ReadOnlySpan<byte> TokenKey => _tokenKey;

    public bool HasTokenKey => _tokenKey is not null;

    /// <summary>Creates a new CA in <paramref name="directory"/>; refuses to overwrite an existing one unless <paramref name="overwrite"/>.</summary>
    public static ConsortiumCa Init(string directory, string commonName, TimeSpan validity, bool overwrite, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        string certPath = Path.Combine(directory, CaFiles.Certificate);
        if (!overwrite && (File.Exists(certPath) || File.Exists(Path.Combine(directory, CaFiles.Key))))
        {
            throw new InvalidOperationException($"A CA already exists in {Path.GetFullPath(directory)}; pass --force to replace it (every certificate it issued stops working).");
        }
        System.IO.Directory.CreateDirectory(directory);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}, O={Organization}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // Back-dated a day so that certificates issued "now" (and clocks slightly behind) fall inside its validity.
        var certificate = request.CreateSelfSigned(now.AddDays(-1), now + validity);
        byte[] tokenKey = RandomNumberGenerator.GetBytes(32);
        WritePublic(certPath, certificate.ExportCertificatePem());
        WriteSecret(Path.Combine(directory, CaFiles.Key), key.ExportPkcs8PrivateKeyPem());
        WriteSecret(Path.Combine(directory, CaFiles.TokenKey), Convert.ToBase64String(tokenKey));
        return new ConsortiumCa(directory, certificate, key, tokenKey);
    }

    /// <summary>Loads the CA of <paramref name="directory"/>; its private key and token key only where present.</summary>
    public static ConsortiumCa Load(string directory, bool requireKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string certPath = Path.Combine(directory, CaFiles.Certificate);
        if (!File.Exists(certPath))
        {
            throw new FileNotFoundException($"No consortium CA in {Path.GetFullPath(directory)}: {CaFiles.Certificate} is missing (create one with `coordinator ca init --dir DIR`).", certPath);
        }
        var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
        string keyPath = Path.Combine(directory, CaFiles.Key);
        ECDsa? key = null;
        if (File.Exists(keyPath))
        {
            key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(keyPath));
            using var pub = certificate.GetECDsaPublicKey();
            if (pub is null || !pub.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                key.Dispose();
                throw new InvalidDataException($"{keyPath} is not the private key of {certPath}.");
            }
        }
        else if (requireKey)
        {
            throw new FileNotFoundException($"The CA's private key {Path.GetFullPath(keyPath)} is missing; issuing needs it.", keyPath);
        }
        string tokenPath = Path.Combine(directory, CaFiles.TokenKey);
        byte[]? tokenKey = File.Exists(tokenPath) ? Convert.FromBase64String(File.ReadAllText(tokenPath).Trim()) : null;
        if (tokenKey is { Length: < 32 })
        {
            throw new InvalidDataException($"{tokenPath} holds {tokenKey.Length} bytes; a token key has at least 32.");
        }
        return new ConsortiumCa(directory, certificate, key, tokenKey);
    }

    /// <summary>
    /// Issues a client certificate naming <paramref name="name"/> in <paramref name="role"/>. With a PKCS#10
    /// request (<paramref name="csrPem"/>) the requester keeps its key; without, a P-256 key is generated and returned.
    /// </summary>
    public IssuedCertificate IssueClient(string name, FederationRole role, TimeSpan validity, string? csrPem = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        string uri = IdentityUri.Format(name, role);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        return Issue($"CN={name}, OU={role.Name()}, O={Organization}", san.Build(), ClientAuth, validity, csrPem, notBefore, notAfter);
    }

    /// <summary>Issues the coordinator's TLS server certificate for <paramref name="hosts"/> (DNS names or IP addresses).</summary>
    public IssuedCertificate IssueServer(IReadOnlyCollection<string> hosts, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (hosts.Count == 0)
        {
            throw new ArgumentException("A server certificate needs at least one host name.", nameof(hosts));
        }
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(host);
            }
        }
        return Issue($"CN={Escape(hosts.First())}, OU=coordinator, O={Organization}", san.Build(), ServerAuth, validity, null, null, null);
    }

    /// <summary>A bearer token for an operator or researcher, signed with the CA's token key.</summary>
    public string IssueToken(string name, FederationRole role, TimeSpan lifetime, TimeProvider? time = null)
    {
        if (_tokenKey is null)
        {
            throw new InvalidOperationException($"The CA in {Directory} has no {CaFiles.TokenKey}; tokens cannot be issued.");
        }
        var now = (time ?? TimeProvider.System).GetUtcNow();
        return BearerTokens.Issue(_tokenKey, name, role, now, now + lifetime);
    }

    private IssuedCertificate Issue(string subject, X509Extension san, Oid usage, TimeSpan validity, string? csrPem, DateTimeOffset? notBefore, DateTimeOffset? notAfter)
    {
        if (_key is null)
        {
            throw new InvalidOperationException($"The CA's private key ({CaFiles.Key}) was not loaded; certificates cannot be issued.");
        }
        ECDsa? generated = null;
        PublicKey publicKey;
        if (csrPem is null)
        {
            generated = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            publicKey = new PublicKey(generated);
        }
        else
        {
            // Verifies the request's self-signature: the requester holds the private key.
            publicKey = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default).PublicKey;
        }
        try
        {
            var request = new CertificateRequest(new X500DistinguishedName(subject), publicKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
            request.CertificateExtensions.Add(san);
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
            var now = DateTimeOffset.UtcNow;
            var from = notBefore ?? now.AddMinutes(-5);
            var to = notAfter ?? now + validity;
            if (to > Certificate.NotAfter.ToUniversalTime())
            {
                to = Certificate.NotAfter.ToUniversalTime();
            }
            byte[] serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7F;
            serial[0] |= 0x01;
            var issued = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), from, to, serial);
            return new IssuedCertificate(issued, issued.ExportCertificatePem(), generated?.ExportPkcs8PrivateKeyPem());
        }
        finally
        {
            generated?.Dispose();
        }
    }

    public void Dispose()
    {
        _key?.Dispose();
        Certificate.Dispose();
        if (_tokenKey is not null)
        {
            CryptographicOperations.ZeroMemory(_tokenKey);
        }
    }

    /// <summary>Writes a file readable by anyone (certificates).</summary>
    public static void WritePublic(string path, string content) => File.WriteAllText(path, content);

    /// <summary>Writes a file readable and writable by its owner only (private keys, token keys, tokens).</summary>
    public static void WriteSecret(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static string Escape(string value) => value.Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);
}
