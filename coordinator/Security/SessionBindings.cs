using System.Collections.Concurrent;

namespace Federated.Coordinator.Security;

/// <summary>
/// Which authenticated site obtained each session token (recorded when Join succeeds), so that a participant's
/// certificate can only be used with its own session: a token alone does not let one site act as another.
/// </summary>
internal sealed class SessionBindings
{
    private readonly ConcurrentDictionary<string, string> _siteByToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokenBySite = new(StringComparer.Ordinal);

    public void Bind(string sessionToken, string site)
    {
        if (_tokenBySite.TryGetValue(site, out var previous))
        {
            _siteByToken.TryRemove(previous, out _);
        }
        _tokenBySite[site] = sessionToken;
        _siteByToken[sessionToken] = site;
    }

    /// <summary>The site that owns <paramref name="sessionToken"/>, or null when unknown (the run rejects unknown tokens itself).</summary>
    public string? Owner(string? sessionToken) =>
        sessionToken is not null && _siteByToken.TryGetValue(sessionToken, out var site) ? site : null;
}
