using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Federated.Federation.Security;

/// <summary>
/// The client side of the consortium's transport security: the CA certificate that is the only trust anchor for the
/// coordinator's certificate, this client's certificate (mutual TLS) and, for operators and researchers, a bearer
/// token. Applied to a channel's handler by <c>FederationChannel.Create(…, security)</c>.
/// </summary>
public sealed class ChannelSecurity : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    private ChannelSecurity(X509Certificate2 trustAnchor, X509Certificate2? clientCertificate, string? bearerToken)
    {
        TrustAnchor = trustAnchor;
        ClientCertificate = clientCertificate;
        BearerToken = bearerToken;
    }

    /// <summary>The consortium CA certificate.</summary>
    public X509Certificate2 TrustAnchor { get; }

    /// <summary>This client's certificate with its private key, or null (token or anonymous).</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Sent as "authorization: Bearer …" by <see cref="Intercept"/>, or null.</summary>
    public string? BearerToken { get; }

    /// <summary>Trust <paramref name="trustAnchor"/> only; authenticate with <paramref name="clientCertificate"/> (which must hold its private key) and/or <paramref name="bearerToken"/>.</summary>
    public static ChannelSecurity Create(X509Certificate2 trustAnchor, X509Certificate2? clientCertificate = null, string? bearerToken = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchor);
        if (clientCertificate is not null && !clientCertificate.HasPrivateKey)
        {
            throw new ArgumentException("The client certificate has no private key.", nameof(clientCertificate));
        }
        return new ChannelSecurity(trustAnchor, clientCertificate, string.IsNullOrWhiteSpace(bearerToken) ? null : bearerToken.Trim());
    }

    /// <summary>Loads PEM files: the CA certificate, optionally a certificate with its key and a token file.</summary>
    public static ChannelSecurity FromFiles(string caCertificate, string? clientCertificate = null, string? clientKey = null, string? tokenFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caCertificate);
        var anchor = LoadCertificate(caCertificate, "CA certificate");
        X509Certificate2? client = null;
        if (clientCertificate is not null || clientKey is not null)
        {
            if (clientCertificate is null || clientKey is null)
            {
                throw new InvalidOperationException("A client certificate needs both its certificate and its key file (--client-cert and --client-key).");
            }
            client = LoadCertificateWithKey(clientCertificate, clientKey);
        }
        string? token = tokenFile is not null && File.Exists(tokenFile) ? File.ReadAllText(tokenFile).Trim() : null;
        return Create(anchor, client, token);
    }

    /// <summary>Loads an identity directory written by <c>coordinator enroll</c> (see <see cref="IdentityFiles"/>).</summary>
    public static ChannelSecurity FromIdentityDirectory(string directory, bool useCertificate = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string cert = Path.Combine(directory, IdentityFiles.Certificate);
        string key = Path.Combine(directory, IdentityFiles.Key);
        bool hasCert = useCertificate && File.Exists(cert) && File.Exists(key);
        return FromFiles(Path.Combine(directory, IdentityFiles.CaCertificate), hasCert ? cert : null, hasCert ? key : null, Path.Combine(directory, IdentityFiles.Token));
    }

    /// <summary>
    /// Applies the policy of <paramref name="options"/> to <paramref name="coordinator"/>: https:// needs a CA
    /// certificate (and a client certificate for mutual TLS); http:// is refused unless
    /// <see cref="ClientSecurityOptions.AllowInsecureLoopback"/> is set and the host is a loopback address, in which
    /// case null (no security) is returned and a warning logged.
    /// </summary>
    public static ChannelSecurity? Resolve(ClientSecurityOptions options, Uri coordinator, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(coordinator);
        if (coordinator.Scheme == Uri.UriSchemeHttp)
        {
            if (!options.AllowInsecureLoopback)
            {
                throw new InvalidOperationException(
                    $"The coordinator address {coordinator} has no TLS (http://). Use https:// with --ca (or --identity), or set Security:AllowInsecureLoopback=true for a loopback test.");
            }
            if (!IsLoopback(coordinator))
            {
                throw new InvalidOperationException(
                    $"Security:AllowInsecureLoopback allows http:// only to a loopback host, not to {coordinator.Host}.");
            }
            logger?.LogWarning("Security:AllowInsecureLoopback is set: talking h2c (no TLS, no client identity) to {Coordinator}. For tests and benchmarks only.", coordinator);
            return null;
        }
        string? ca = options.CaCertificate, cert = options.ClientCertificate, key = options.ClientKey, token = null;
        if (!string.IsNullOrWhiteSpace(options.Identity))
        {
            ca ??= Path.Combine(options.Identity, IdentityFiles.CaCertificate);
            if (cert is null && key is null && File.Exists(Path.Combine(options.Identity, IdentityFiles.Certificate)))
            {
                cert = Path.Combine(options.Identity, IdentityFiles.Certificate);
                key = Path.Combine(options.Identity, IdentityFiles.Key);
            }
            token = Path.Combine(options.Identity, IdentityFiles.Token);
        }
        if (string.IsNullOrWhiteSpace(ca))
        {
            throw new InvalidOperationException("TLS needs the consortium CA certificate to trust: set --ca FILE (Security:CaCertificate) or --identity DIR.");
        }
        return FromFiles(ca, cert, key, token);
    }

    /// <summary>Sets the TLS options of <paramref name="handler"/>: only the consortium CA is trusted; the client certificate is always offered.</summary>
    public void Apply(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var anchor = TrustAnchor;
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateServer(anchor, certificate, errors);
        if (ClientCertificate is { } client)
        {
            handler.SslOptions.ClientCertificates = [client];
            // Offer the certificate whatever issuer list the server announces (it may announce none or the OS store's).
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        }
    }

    /// <summary>Adds the bearer token (when there is one) to every call made through <paramref name="invoker"/>.</summary>
    public CallInvoker Intercept(CallInvoker invoker)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        if (BearerToken is not { } token)
        {
            return invoker;
        }
        return invoker.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + token);
            return metadata;
        });
    }

    /// <summary>
    /// True when <paramref name="certificate"/> matches the host name asked for and chains to
    /// <paramref name="anchor"/> alone (the OS store is not consulted), is within its validity period and allows
    /// server authentication.
    /// </summary>
    public static bool ValidateServer(X509Certificate2 anchor, X509Certificate? certificate, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }
        using var server = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
        return chain.Build(server) && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(anchor.RawDataMemory.Span);
    }

    public void Dispose()
    {
        TrustAnchor.Dispose();
        ClientCertificate?.Dispose();
    }

    private static bool IsLoopback(Uri address) =>
        address.IsLoopback || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static X509Certificate2 LoadCertificate(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The {what} {Path.GetFullPath(path)} does not exist.", path);
        }
        return X509Certificate2.CreateFromPem(File.ReadAllText(path));
    }

    private static X509Certificate2 LoadCertificateWithKey(string certificate, string key)
    {
        foreach (var path in new[] { certificate, key })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The client certificate file {Path.GetFullPath(path)} does not exist.", path);
            }
        }
        using var pem = X509Certificate2.CreateFromPemFile(certificate, key);
        // A PKCS#12 round trip gives a key every platform's TLS stack can use (Windows cannot use ephemeral keys).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
