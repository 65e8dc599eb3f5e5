namespace Federated.Core.Data.Internal;

/// <summary>
/// Collects one building's rows while a file streams in. The open segment is kept in fixed-size chunks of
/// interleaved rows (no doubling, so no 2× slack); a gap or the end of the file turns it into an exact-size
/// <see cref="HourlySegment"/> and drops the chunks.
/// </summary>
internal sealed class BuildingAccumulator
{
    private const int ChunkRows = 1024;
    private const int Fields = 4;

    private readonly List<float[]> _chunks = [];
    private readonly List<HourlySegment> _segments = [];
    private long _segmentStart;
    private int _segmentRows;

    public BuildingAccumulator(string id, string[] cohortValues, long firstLine)
    {
        Id = id;
        CohortValues = cohortValues;
        FirstLine = firstLine;
    }

    public string Id { get; }

    /// <summary>Interned cohort values, in the order of the requested cohort columns.</summary>
    public string[] CohortValues { get; }

    public long FirstLine { get; }

    /// <summary>Hour of the latest row, or <see cref="long.MinValue"/> before the first.</summary>
    public long LastHour { get; private set; } = long.MinValue;

    public long LastLine { get; private set; }

    /// <summary>Appends a row; the caller has checked that <paramref name="hour"/> is after <see cref="LastHour"/>.</summary>
    public void Add(long hour, long line, float outdoor, float solar, float hvac, float indoor)
    {
        if (_segmentRows > 0 && hour != LastHour + 1)
        {
            CloseSegment();
        }
        if (_segmentRows == 0)
        {
            _segmentStart = hour;
        }
        int inChunk = _segmentRows % ChunkRows;
        if (inChunk == 0)
        {
            _chunks.Add(new float[ChunkRows * Fields]);
        }
        Span<float> row = _chunks[^1].AsSpan(inChunk * Fields, Fields);
        row[0] = outdoor;
        row[1] = solar;
        row[2] = hvac;
        row[3] = indoor;
        _segmentRows++;
        LastHour = hour;
        LastLine = line;
    }

    public BuildingSeries Finish(IReadOnlyList<string> cohortColumns)
    {
        CloseSegment();
        var cohorts = new Dictionary<string, string>(cohortColumns.Count, StringComparer.Ordinal);
        for (int i = 0; i < cohortColumns.Count; i++)
        {
            cohorts[cohortColumns[i]] = CohortValues[i];
        }
        return new BuildingSeries(Id, cohorts, _segments.ToArray());
    }

    private void CloseSegment()
    {
        int n = _segmentRows;
        if (n == 0)
        {
            return;
        }
        var outdoor = new float[n];
        var solar = new float[n];
        var hvac = new float[n];
        var indoor = new float[n];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = _chunks[i / ChunkRows].AsSpan(i % ChunkRows * Fields, Fields);
            outdoor[i] = row[0];
            solar[i] = row[1];
            hvac[i] = row[2];
            indoor[i] = row[3];
        }
        _segments.Add(new HourlySegment(_segmentStart, outdoor, solar, hvac, indoor));
        _chunks.Clear();
        _segmentRows = 0;
    }
}
