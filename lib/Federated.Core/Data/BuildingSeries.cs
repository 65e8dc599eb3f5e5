namespace Federated.Core.Data;

/// <summary>
/// One building's hourly observations, split into gap-free segments. Rows are kept as struct-of-arrays of
/// <see cref="float"/> so that a year of 1,000 buildings stays in a few hundred MB.
/// </summary>
/// <param name="BuildingId">The <c>building_id</c> column.</param>
/// <param name="Cohorts">Cohort column name → value for this building (taken from its first row).</param>
/// <param name="Segments">Gap-free runs of consecutive hours, in time order.</param>
public sealed record BuildingSeries(string BuildingId, IReadOnlyDictionary<string, string> Cohorts, IReadOnlyList<HourlySegment> Segments)
{
    /// <summary>Total hours over all segments.</summary>
    public int Hours => Segments.Sum(s => s.Length);
}

/// <summary>
/// Consecutive hourly rows of one building with no missing hour. <see cref="StartHour"/> counts whole hours
/// since the Unix epoch (UTC); row <c>i</c> is at <c>StartHour + i</c>.
/// </summary>
public sealed class HourlySegment
{
    public HourlySegment(long startHour, float[] outdoorTempC, float[] solarWm2, float[] hvacKw, float[] indoorTempC)
    {
        ArgumentNullException.ThrowIfNull(outdoorTempC);
        ArgumentNullException.ThrowIfNull(solarWm2);
        ArgumentNullException.ThrowIfNull(hvacKw);
        ArgumentNullException.ThrowIfNull(indoorTempC);
        int n = outdoorTempC.Length;
        if (solarWm2.Length != n || hvacKw.Length != n || indoorTempC.Length != n)
        {
            throw new ArgumentException("All columns of a segment must have the same length.");
        }
        StartHour = startHour;
        OutdoorTempC = outdoorTempC;
        SolarWm2 = solarWm2;
        HvacKw = hvacKw;
        IndoorTempC = indoorTempC;
    }

    public long StartHour { get; }
    public float[] OutdoorTempC { get; }
    public float[] SolarWm2 { get; }
    /// <summary>Thermal power delivered by the HVAC system, kW: heating positive, cooling negative.</summary>
    public float[] HvacKw { get; }
    public float[] IndoorTempC { get; }
    public int Length => IndoorTempC.Length;

    public DateTimeOffset TimeAt(int index) => DateTimeOffset.FromUnixTimeSeconds((StartHour + index) * 3600);

    /// <summary>A copy of rows [start, start+length).</summary>
    public HourlySegment Slice(int start, int length) => new(
        StartHour + start,
        OutdoorTempC.AsSpan(start, length).ToArray(),
        SolarWm2.AsSpan(start, length).ToArray(),
        HvacKw.AsSpan(start, length).ToArray(),
        IndoorTempC.AsSpan(start, length).ToArray());
}
