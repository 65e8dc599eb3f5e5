using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Federated.Coordinator.Admin;
using Federated.Coordinator.Audit;
using Federated.Coordinator.Options;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Security;

/// <summary>Registration of the coordinator's transport security, authorization, audit log and run control.</summary>
internal static class SecurityHostingExtensions
{
    /// <summary>
    /// Reads "Security" (see <see cref="SecurityOptions"/>): by default Kestrel serves TLS with the consortium's
    /// server certificate and asks every client for a certificate (checked per call by
    /// <see cref="AuthorizationInterceptor"/> against the consortium CA only); with
    /// <c>Security:AllowInsecureLoopback</c> it serves h2c, and only on loopback addresses. Throws
    /// <see cref="InvalidOperationException"/> naming the setting when the configuration does not fit.
    /// </summary>
    public static WebApplicationBuilder AddCoordinatorSecurity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var options = configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>() ?? new SecurityOptions();
        var federation = configuration.GetSection(FederationOptions.SectionName).Get<FederationOptions>() ?? new FederationOptions();
        string[] urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        CheckUrls(urls, options.AllowInsecureLoopback);

        ConsortiumCa? ca = null;
        X509Certificate2? serverCertificate = null;
        if (!string.IsNullOrWhiteSpace(options.CaDir))
        {
            ca = ConsortiumCa.Load(options.CaDir, requireKey: false);
        }
        if (!options.AllowInsecureLoopback)
        {
            if (ca is null)
            {
                throw new InvalidOperationException(
                    "Security:CaDir is required: TLS with client certificates is on by default. Create a CA with `coordinator ca init --dir DIR` and pass --ca DIR, or set Security:AllowInsecureLoopback=true for a loopback test.");
            }
            string certPath = options.ServerCertificate ?? Path.Combine(options.CaDir!, CaFiles.ServerCertificate);
            string keyPath = options.ServerKey ?? Path.Combine(options.CaDir!, CaFiles.ServerKey);
            if (!File.Exists(certPath) || !File.Exists(keyPath))
            {
                throw new InvalidOperationException(
                    $"Security:ServerCertificate {Path.GetFullPath(certPath)} or its key {Path.GetFullPath(keyPath)} is missing; issue one with `coordinator enroll coordinator --role server --ca DIR --host NAME`.");
            }
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            serverCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        string stateDir = Path.GetFullPath(options.StateDir ?? options.CaDir ?? federation.OutDir);

        if (serverCertificate is not null)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.CheckCertificateRevocation = false;
                // Ask every client for a certificate but decide per call, in AuthorizationInterceptor, against the
                // consortium CA alone: that way an expired, revoked or foreign certificate gets a precise gRPC
                // status instead of a failed handshake, and operators may use bearer tokens instead.
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = (_, _, _) => true;
            }));
        }

        var services = builder.Services;
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName);
        services.AddSingleton(sp => new CoordinatorSecurity(options, ca, serverCertificate, stateDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RevocationList(stateDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => AuditLog.OpenVerified(stateDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SessionBindings>();
        services.AddSingleton(_ => new RunControl(options.RequireOperatorStart));
        services.AddSingleton(sp => new ConfigUpdater(sp.GetRequiredService<IOptions<FederationOptions>>()));
        services.AddSingleton<AuthorizationInterceptor>();
        services.AddHostedService<RunAuditHook>();
        services.AddGrpc(grpc => grpc.Interceptors.Add<AuthorizationInterceptor>());
        return builder;
    }

    private static void CheckUrls(string[] urls, bool insecure)
    {
        if (urls.Length == 0)
        {
            throw new InvalidOperationException("Urls is empty: set the addresses to listen on, e.g. --urls https://0.0.0.0:5000.");
        }
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                throw new InvalidOperationException($"Urls: \"{url}\" is not an address.");
            }
            if (!insecure && uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new InvalidOperationException(
                    $"Urls: \"{url}\" is not https://. TLS is on by default; use https://, or set Security:AllowInsecureLoopback=true (loopback h2c, tests only).");
            }
            if (insecure && (uri.Scheme != Uri.UriSchemeHttp || !(uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)))))
            {
                throw new InvalidOperationException(
                    $"Urls: \"{url}\" is not an http:// loopback address; Security:AllowInsecureLoopback serves h2c on 127.0.0.1, [::1] or localhost only.");
            }
        }
    }
}
