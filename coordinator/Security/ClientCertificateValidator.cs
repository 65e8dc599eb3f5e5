using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Federated.Federation.Security;

namespace Federated.Coordinator.Security;

/// <summary>
/// Maps a client certificate to an identity: the chain must end at the consortium CA (the only trust anchor; the
/// operating system's store is not consulted), the certificate must be within its validity period at the time of
/// the call, allow client authentication, and carry exactly one <c>urn:federated:ROLE:NAME</c> identity. Chain
/// results are cached per certificate; the validity period is checked on every call.
/// </summary>
internal sealed class ClientCertificateValidator(X509Certificate2 trustAnchor, TimeProvider time)
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly ConcurrentDictionary<string, (CallerIdentity? Identity, string Why)> _chains = new(StringComparer.Ordinal);

    public X509Certificate2 TrustAnchor { get; } = trustAnchor;

    public bool TryValidate(X509Certificate2 certificate, out CallerIdentity? identity, out string why)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        identity = null;
        var now = time.GetUtcNow();
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        if (now >= notAfter)
        {
            why = string.Create(CultureInfo.InvariantCulture, $"it expired at {notAfter:O}");
            return false;
        }
        if (now < notBefore)
        {
            why = string.Create(CultureInfo.InvariantCulture, $"it is not valid before {notBefore:O}");
            return false;
        }
        string key = Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
        var (cached, cachedWhy) = _chains.GetOrAdd(key, _ => Build(certificate));
        identity = cached;
        why = cachedWhy;
        return identity is not null;
    }

    private (CallerIdentity?, string) Build(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(TrustAnchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        // Time is checked by the caller on every call; the cached result must not depend on when it was built.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        bool built = chain.Build(certificate);
        bool anchored = chain.ChainElements.Count > 0 && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(TrustAnchor.RawDataMemory.Span);
        if (!built || !anchored)
        {
            var flags = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToArray();
            string detail = flags.Length == 0 ? "its chain does not end at the consortium CA" : string.Join(", ", flags);
            bool foreign = !anchored || flags.Any(f => f is X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain);
            return (null, foreign ? $"it was not issued by the consortium CA ({detail})" : $"its chain is invalid ({detail})");
        }
        if (!IdentityUri.TryRead(certificate, out string name, out var role, out string why))
        {
            return (null, why);
        }
        return (new CallerIdentity(name, role, AuthenticationKind.Certificate, new DateTimeOffset(certificate.NotAfter.ToUniversalTime())), "");
    }
}
