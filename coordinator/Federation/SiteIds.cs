using System.Text.RegularExpressions;

namespace Federated.Coordinator.Federation;

/// <summary>Site identifier rules and per-site derived values.</summary>
internal static partial class SiteIds
{
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? siteId) => siteId is not null && Pattern().IsMatch(siteId);

    /// <summary>A reproducible per-site, per-round seed (FNV-1a over the site id, mixed with run seed and round).</summary>
    public static long RoundSeed(long runSeed, ulong round, uint attempt, string siteId)
    {
        ArgumentNullException.ThrowIfNull(siteId);
        ulong hash = 14695981039346656037UL;
        foreach (char c in siteId)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        hash ^= (ulong)runSeed * 0x9E3779B97F4A7C15UL;
        hash ^= (round * 0xBF58476D1CE4E5B9UL) + attempt;
        hash ^= hash >> 31;
        return (long)(hash & long.MaxValue);
    }
}
