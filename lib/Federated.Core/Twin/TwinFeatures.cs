using System.Text;

namespace Federated.Core.Twin;

/// <summary>
/// Inputs of the shared neural correction. The layout is part of the shared-vector contract (version 1):
/// 5 calendar features, the indoor–outdoor difference, then <see cref="TwinOptions.CohortBuckets"/> hashed cohort
/// indicators. Solar, HVAC power and the temperature level are left out on purpose: their effects belong to the
/// building's own gA, η and R, and a shared network that also saw them would absorb site-specific physics that
/// federated averaging then smears across sites.
/// </summary>
public static class TwinFeatures
{
    public const int CalendarCount = 5;
    public const int StateCount = 1;

    public static int Count(TwinOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return CalendarCount + StateCount + options.CohortBuckets;
    }

    /// <summary>sin/cos of hour of day, sin/cos of day of week, weekend flag, for an hour counted from the Unix epoch (UTC).</summary>
    public static void Calendar(long hourSinceEpoch, Span<float> destination)
    {
        double hourOfDay = hourSinceEpoch % 24;
        long day = hourSinceEpoch / 24;
        int dayOfWeek = (int)((day + 3) % 7); // 1970-01-01 was a Thursday; Monday = 0.
        destination[0] = (float)Math.Sin(2 * Math.PI * hourOfDay / 24);
        destination[1] = (float)Math.Cos(2 * Math.PI * hourOfDay / 24);
        destination[2] = (float)Math.Sin(2 * Math.PI * dayOfWeek / 7);
        destination[3] = (float)Math.Cos(2 * Math.PI * dayOfWeek / 7);
        destination[4] = dayOfWeek >= 5 ? 1f : 0f;
    }

    /// <summary>
    /// One indicator per cohort column, in the bucket FNV-1a("column=value") mod buckets. Hashing keeps the shared
    /// layout fixed whatever values a site has, at the price of rare collisions.
    /// </summary>
    public static void Cohorts(IReadOnlyDictionary<string, string> cohorts, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(cohorts);
        destination.Clear();
        foreach (var (column, value) in cohorts)
        {
            destination[(int)(Fnv1a($"{column}={value}") % (uint)destination.Length)] = 1f;
        }
    }

    /// <summary>Pairs of distinct cohort values that share a bucket, so a participant can warn about them.</summary>
    public static IReadOnlyList<(string First, string Second)> Collisions(IEnumerable<KeyValuePair<string, string>> cohortValues, int buckets)
    {
        ArgumentNullException.ThrowIfNull(cohortValues);
        var owner = new Dictionary<uint, string>();
        var collisions = new List<(string, string)>();
        foreach (var label in cohortValues.Select(kv => $"{kv.Key}={kv.Value}").Distinct(StringComparer.Ordinal))
        {
            uint bucket = Fnv1a(label) % (uint)buckets;
            if (owner.TryGetValue(bucket, out var other)) collisions.Add((other, label));
            else owner[bucket] = label;
        }
        return collisions;
    }

    internal static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619;
        }
        return hash;
    }
}
