namespace Federated.Core.Data;

/// <summary>All buildings of one site, read from one CSV file.</summary>
/// <param name="Source">Where the data came from (a file path), for messages.</param>
/// <param name="CohortColumns">The cohort columns that were requested and read, in order.</param>
/// <param name="Buildings">Buildings in order of first appearance.</param>
public sealed record SiteDataset(string Source, IReadOnlyList<string> CohortColumns, IReadOnlyList<BuildingSeries> Buildings)
{
    public long Rows => Buildings.Sum(b => (long)b.Hours);

    /// <summary>Last hour (hours since the Unix epoch) present in any building, or null when empty.</summary>
    public long? LastHour => Buildings.SelectMany(b => b.Segments).Select(s => (long?)(s.StartHour + s.Length - 1)).Max();

    /// <summary>Splits off the last <paramref name="days"/> days (by the latest timestamp of the site) as the test period.</summary>
    public (SiteDataset Train, SiteDataset Test) SplitLastDays(int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(days);
        long last = LastHour ?? throw new InvalidDataException($"{Source}: no rows to split into train and test periods.");
        return SplitAt(last + 1 - days * 24L);
    }

    /// <summary>Splits every building at <paramref name="splitHour"/>: rows before it go to the first dataset.</summary>
    public (SiteDataset Before, SiteDataset FromSplit) SplitAt(long splitHour)
    {
        var before = new List<BuildingSeries>();
        var after = new List<BuildingSeries>();
        foreach (var building in Buildings)
        {
            var early = new List<HourlySegment>();
            var late = new List<HourlySegment>();
            foreach (var segment in building.Segments)
            {
                int cut = (int)Math.Clamp(splitHour - segment.StartHour, 0, segment.Length);
                if (cut > 0) early.Add(cut == segment.Length ? segment : segment.Slice(0, cut));
                if (cut < segment.Length) late.Add(cut == 0 ? segment : segment.Slice(cut, segment.Length - cut));
            }
            if (early.Count > 0) before.Add(building with { Segments = early });
            if (late.Count > 0) after.Add(building with { Segments = late });
        }
        return (this with { Buildings = before }, this with { Buildings = after });
    }
}
