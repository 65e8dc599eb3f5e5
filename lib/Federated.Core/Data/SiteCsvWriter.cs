using System.Globalization;
using System.Text;
using Federated.Core.Data.Internal;

namespace Federated.Core.Data;

/// <summary>
/// Writes the site CSV schema: the required columns, the cohort columns, then any extra float columns (e.g.
/// <c>predicted_indoor_temp_c</c>). Numbers use the invariant culture and the shortest round-trippable form, so
/// <see cref="SiteCsvReader"/> reads back exactly the floats written. A non-finite extra value is written as an
/// empty field (no value); the required columns must be finite.
/// </summary>
public sealed class SiteCsvWriter : IDisposable, IAsyncDisposable
{
    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private readonly string[] _cohortColumns;
    private readonly string[] _extraColumns;
    private readonly char[] _buffer = new char[64];
    private bool _headerWritten;

    /// <param name="writer">Where the text goes.</param>
    /// <param name="cohortColumns">Cohort columns, written after the required ones.</param>
    /// <param name="extraColumns">Extra float columns, written last; null for none.</param>
    /// <param name="leaveOpen">Whether disposing leaves <paramref name="writer"/> open.</param>
    public SiteCsvWriter(TextWriter writer, IReadOnlyList<string> cohortColumns, IReadOnlyList<string>? extraColumns = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(cohortColumns);
        _writer = writer;
        _leaveOpen = leaveOpen;
        _cohortColumns = [.. cohortColumns];
        _extraColumns = extraColumns is null ? [] : [.. extraColumns];
        Header = [.. SiteCsvSchema.RequiredColumns, .. _cohortColumns, .. _extraColumns];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string column in Header)
        {
            if (string.IsNullOrWhiteSpace(column) || !seen.Add(column))
            {
                throw new ArgumentException($"Column name '{column}' is empty or appears twice in the header.", nameof(cohortColumns));
            }
        }
    }

    /// <summary>Opens <paramref name="path"/> for writing (UTF-8 without BOM, LF line ends), replacing any file.</summary>
    public static SiteCsvWriter Create(string path, IReadOnlyList<string> cohortColumns, IReadOnlyList<string>? extraColumns = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16) { NewLine = "\n" };
        return new SiteCsvWriter(writer, cohortColumns, extraColumns);
    }

    /// <summary>All column names in order: required, cohort, extra.</summary>
    public IReadOnlyList<string> Header { get; }

    public long RowsWritten { get; private set; }

    /// <summary>Writes one row; the header goes out before the first.</summary>
    /// <param name="hour">Hours since the Unix epoch (UTC).</param>
    /// <param name="buildingId">Non-empty building id.</param>
    /// <param name="outdoorTempC">Mean outdoor temperature over the hour.</param>
    /// <param name="solarWm2">Mean irradiance over the hour.</param>
    /// <param name="hvacKw">Mean HVAC power over the hour.</param>
    /// <param name="indoorTempC">Indoor temperature at the hour start.</param>
    /// <param name="cohortValues">One value per cohort column, in order.</param>
    /// <param name="extraValues">One value per extra column, in order.</param>
    public void WriteRow(long hour, string buildingId, float outdoorTempC, float solarWm2, float hvacKw, float indoorTempC,
        IReadOnlyList<string> cohortValues, ReadOnlySpan<float> extraValues = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(buildingId);
        ArgumentNullException.ThrowIfNull(cohortValues);
        if (cohortValues.Count != _cohortColumns.Length)
        {
            throw new ArgumentException($"Expected {_cohortColumns.Length} cohort values, got {cohortValues.Count}.", nameof(cohortValues));
        }
        if (extraValues.Length != _extraColumns.Length)
        {
            throw new ArgumentException($"Expected {_extraColumns.Length} extra values, got {extraValues.Length}.", nameof(extraValues));
        }
        EnsureHeader();
        int n = IsoHour.Format(hour, _buffer);
        _writer.Write(_buffer, 0, n);
        _writer.Write(',');
        WriteText(buildingId);
        WriteRequired(outdoorTempC, SiteCsvSchema.OutdoorTempC);
        WriteRequired(solarWm2, SiteCsvSchema.SolarWm2);
        WriteRequired(hvacKw, SiteCsvSchema.HvacKw);
        WriteRequired(indoorTempC, SiteCsvSchema.IndoorTempC);
        foreach (string value in cohortValues)
        {
            _writer.Write(',');
            WriteText(value);
        }
        foreach (float value in extraValues)
        {
            _writer.Write(',');
            if (float.IsFinite(value))
            {
                WriteFloat(value);
            }
        }
        _writer.WriteLine();
        RowsWritten++;
    }

    /// <summary>Writes every row of <paramref name="building"/>, segment by segment.</summary>
    public void WriteBuilding(BuildingSeries building)
    {
        ArgumentNullException.ThrowIfNull(building);
        string[] cohorts = [.. _cohortColumns.Select(c => building.Cohorts.TryGetValue(c, out string? v)
            ? v
            : throw new ArgumentException($"Building '{building.BuildingId}' has no value for cohort column '{c}'.", nameof(building)))];
        foreach (HourlySegment segment in building.Segments)
        {
            for (int i = 0; i < segment.Length; i++)
            {
                WriteRow(segment.StartHour + i, building.BuildingId, segment.OutdoorTempC[i], segment.SolarWm2[i],
                    segment.HvacKw[i], segment.IndoorTempC[i], cohorts);
            }
        }
    }

    /// <summary>Writes a whole dataset to <paramref name="path"/>, building after building.</summary>
    public static async Task WriteAsync(string path, SiteDataset dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        await using var writer = Create(path, dataset.CohortColumns);
        writer.EnsureHeader();
        foreach (BuildingSeries building in dataset.Buildings)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.WriteBuilding(building);
        }
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        EnsureHeader();
        return _writer.FlushAsync(cancellationToken);
    }

    public void Dispose()
    {
        EnsureHeader();
        _writer.Flush();
        if (!_leaveOpen)
        {
            _writer.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        EnsureHeader();
        await _writer.FlushAsync().ConfigureAwait(false);
        if (!_leaveOpen)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void EnsureHeader()
    {
        if (_headerWritten)
        {
            return;
        }
        _headerWritten = true;
        for (int i = 0; i < Header.Count; i++)
        {
            if (i > 0)
            {
                _writer.Write(',');
            }
            WriteText(Header[i]);
        }
        _writer.WriteLine();
    }

    private void WriteRequired(float value, string column)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(column, value, $"Column '{column}' must be finite.");
        }
        _writer.Write(',');
        WriteFloat(value);
    }

    private void WriteFloat(float value)
    {
        value.TryFormat(_buffer, out int written, "R", CultureInfo.InvariantCulture);
        _writer.Write(_buffer, 0, written);
    }

    private void WriteText(string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException($"'{value}' contains a line break, which the site CSV format does not allow.", nameof(value));
        }
        if (value.AsSpan().IndexOfAny(',', '"') < 0 && value.Trim(' ').Length == value.Length)
        {
            _writer.Write(value);
            return;
        }
        _writer.Write('"');
        _writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        _writer.Write('"');
    }
}
