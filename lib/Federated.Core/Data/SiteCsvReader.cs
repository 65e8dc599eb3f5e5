using System.Globalization;
using Federated.Core.Data.Internal;

namespace Federated.Core.Data;

/// <summary>
/// Reads a site CSV file (schema in <see cref="SiteCsvSchema"/> and <c>docs/data.md</c>) line by line into a
/// <see cref="SiteDataset"/>. Memory grows with the rows kept (16 bytes per row) and not with the file size;
/// building ids and cohort values are stored once. Any bad input throws a <see cref="DataFormatException"/>
/// naming the file, line, column and reason.
/// </summary>
public static class SiteCsvReader
{
    private const int CancellationCheckRows = 4096;

    /// <summary>Reads the file at <paramref name="path"/>; messages name it as given.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="cohortColumns">Cohort columns that must be present (may be empty).</param>
    /// <param name="cancellationToken">Stops reading.</param>
    public static async Task<SiteDataset> ReadAsync(string path, IReadOnlyList<string> cohortColumns, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        return await ReadAsync(reader, path, cohortColumns, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads CSV text from <paramref name="reader"/>; <paramref name="sourceName"/> names it in messages.</summary>
    public static async Task<SiteDataset> ReadAsync(TextReader reader, string sourceName, IReadOnlyList<string> cohortColumns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentNullException.ThrowIfNull(cohortColumns);
        string[] cohorts = ValidateCohortColumns(cohortColumns);

        string? header = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (header is null || header.Trim('\uFEFF', ' ').Length == 0)
        {
            throw new DataFormatException(sourceName, 1, null,
                $"the file is empty; expected a header row naming {string.Join(", ", SiteCsvSchema.RequiredColumns)}");
        }
        var layout = HeaderLayout.Parse(header.TrimStart('\uFEFF'), sourceName, cohorts);
        var state = new ReadState(sourceName, layout, cohorts);

        long lineNumber = 1;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            state.ParseRow(line, lineNumber);
            if (state.Rows % CancellationCheckRows == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        if (state.Rows == 0)
        {
            throw new DataFormatException(sourceName, 2, null, "the file has a header but no data rows");
        }
        return state.Finish();
    }

    private static string[] ValidateCohortColumns(IReadOnlyList<string> cohortColumns)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string column in cohortColumns)
        {
            if (string.IsNullOrWhiteSpace(column))
            {
                throw new ArgumentException("Cohort column names must not be empty.", nameof(cohortColumns));
            }
            if (SiteCsvSchema.RequiredColumns.Contains(column, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"'{column}' is a required column, not a cohort column.", nameof(cohortColumns));
            }
            if (!seen.Add(column))
            {
                throw new ArgumentException($"Cohort column '{column}' is named twice.", nameof(cohortColumns));
            }
        }
        return [.. cohortColumns];
    }

    /// <summary>Where each needed column sits in the header.</summary>
    private sealed class HeaderLayout
    {
        public required string[] Names { get; init; }
        public required int Timestamp { get; init; }
        public required int BuildingId { get; init; }
        public required int Outdoor { get; init; }
        public required int Solar { get; init; }
        public required int Hvac { get; init; }
        public required int Indoor { get; init; }
        public required int[] Cohorts { get; init; }

        public static HeaderLayout Parse(string header, string source, string[] cohorts)
        {
            var splitter = new CsvLineSplitter();
            if (splitter.Split(header) is { } quoteError)
            {
                throw new DataFormatException(source, 1, null, quoteError);
            }
            var names = new string[splitter.Count];
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = splitter[i].ToString();
                if (names[i].Length > 0 && !index.TryAdd(names[i], i))
                {
                    throw new DataFormatException(source, 1, names[i], $"the header names this column twice (fields {index[names[i]] + 1} and {i + 1})");
                }
            }
            int Find(string column, string kind) => index.TryGetValue(column, out int at)
                ? at
                : throw new DataFormatException(source, 1, column,
                    $"{kind} column is missing from the header; the header has: {string.Join(", ", names)}");
            return new HeaderLayout
            {
                Names = names,
                Timestamp = Find(SiteCsvSchema.Timestamp, "required"),
                BuildingId = Find(SiteCsvSchema.BuildingId, "required"),
                Outdoor = Find(SiteCsvSchema.OutdoorTempC, "required"),
                Solar = Find(SiteCsvSchema.SolarWm2, "required"),
                Hvac = Find(SiteCsvSchema.HvacKw, "required"),
                Indoor = Find(SiteCsvSchema.IndoorTempC, "required"),
                Cohorts = [.. cohorts.Select(c => Find(c, "cohort"))],
            };
        }
    }

    /// <summary>Per-file parsing state: buildings seen so far and the interned strings.</summary>
    private sealed class ReadState
    {
        private readonly string _source;
        private readonly HeaderLayout _layout;
        private readonly string[] _cohortColumns;
        private readonly CsvLineSplitter _fields = new();
        private readonly Dictionary<string, BuildingAccumulator> _buildings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, BuildingAccumulator>.AlternateLookup<ReadOnlySpan<char>> _buildingLookup;
        private readonly List<BuildingAccumulator> _order = [];
        private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _stringLookup;
        private string _lastTimestamp = string.Empty;
        private long _lastTimestampHour;

        public ReadState(string source, HeaderLayout layout, string[] cohortColumns)
        {
            _source = source;
            _layout = layout;
            _cohortColumns = cohortColumns;
            _buildingLookup = _buildings.GetAlternateLookup<ReadOnlySpan<char>>();
            _stringLookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public long Rows { get; private set; }

        public void ParseRow(string line, long lineNumber)
        {
            if (_fields.Split(line) is { } quoteError)
            {
                throw Error(lineNumber, null, quoteError);
            }
            int expected = _layout.Names.Length;
            if (_fields.Count != expected)
            {
                string? column = _fields.Count < expected ? _layout.Names[_fields.Count] : null;
                throw Error(lineNumber, column, $"expected {expected} fields as in the header, found {_fields.Count}");
            }

            long hour = ParseHour(lineNumber);

            ReadOnlySpan<char> id = _fields[_layout.BuildingId];
            if (id.IsEmpty)
            {
                throw Error(lineNumber, SiteCsvSchema.BuildingId, "the building id is empty");
            }

            float outdoor = ParseNumber(lineNumber, _layout.Outdoor, SiteCsvSchema.OutdoorTempC, SiteCsvSchema.OutdoorMinC, SiteCsvSchema.OutdoorMaxC, "°C");
            float solar = ParseNumber(lineNumber, _layout.Solar, SiteCsvSchema.SolarWm2, SiteCsvSchema.SolarMinWm2, SiteCsvSchema.SolarMaxWm2, "W/m²");
            float hvac = ParseNumber(lineNumber, _layout.Hvac, SiteCsvSchema.HvacKw, -SiteCsvSchema.HvacMaxAbsKw, SiteCsvSchema.HvacMaxAbsKw, "kW");
            float indoor = ParseNumber(lineNumber, _layout.Indoor, SiteCsvSchema.IndoorTempC, SiteCsvSchema.IndoorMinC, SiteCsvSchema.IndoorMaxC, "°C");

            BuildingAccumulator building = FindOrAddBuilding(id, lineNumber);
            if (hour <= building.LastHour)
            {
                string at = IsoHour.Format(hour);
                string previous = IsoHour.Format(building.LastHour);
                throw Error(lineNumber, SiteCsvSchema.Timestamp, hour == building.LastHour
                    ? $"building '{building.Id}' already has a row at {at} (line {building.LastLine})"
                    : $"{at} for building '{building.Id}' is before its previous row ({previous}, line {building.LastLine}); each building's rows must be in time order");
            }
            building.Add(hour, lineNumber, outdoor, solar, hvac, indoor);
            Rows++;
        }

        public SiteDataset Finish() =>
            new(_source, _cohortColumns, [.. _order.Select(b => b.Finish(_cohortColumns))]);

        private long ParseHour(long lineNumber)
        {
            ReadOnlySpan<char> text = _fields[_layout.Timestamp];
            if (text.SequenceEqual(_lastTimestamp))
            {
                return _lastTimestampHour;
            }
            if (IsoHour.TryParse(text, out long hour) is { } reason)
            {
                throw Error(lineNumber, SiteCsvSchema.Timestamp, reason);
            }
            _lastTimestamp = text.ToString();
            _lastTimestampHour = hour;
            return hour;
        }

        private float ParseNumber(long lineNumber, int field, string column, float min, float max, string unit)
        {
            ReadOnlySpan<char> text = _fields[field];
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            {
                throw Error(lineNumber, column, text.IsEmpty ? "the value is empty" : $"'{text}' is not a number");
            }
            if (!float.IsFinite(value))
            {
                throw Error(lineNumber, column, $"'{text}' is not a finite number");
            }
            if (value < min || value > max)
            {
                throw Error(lineNumber, column, string.Create(CultureInfo.InvariantCulture,
                    $"'{text.ToString()}' is outside the physical range {min}..{max} {unit}"));
            }
            return value;
        }

        private BuildingAccumulator FindOrAddBuilding(ReadOnlySpan<char> id, long lineNumber)
        {
            int[] cohortFields = _layout.Cohorts;
            if (_buildingLookup.TryGetValue(id, out BuildingAccumulator? building))
            {
                for (int c = 0; c < cohortFields.Length; c++)
                {
                    ReadOnlySpan<char> value = _fields[cohortFields[c]];
                    if (!value.SequenceEqual(building.CohortValues[c]))
                    {
                        throw Error(lineNumber, _cohortColumns[c],
                            $"building '{building.Id}' had '{building.CohortValues[c]}' (line {building.FirstLine}), now '{value}'; a building's cohort must not change");
                    }
                }
                return building;
            }
            var values = new string[cohortFields.Length];
            for (int c = 0; c < cohortFields.Length; c++)
            {
                ReadOnlySpan<char> value = _fields[cohortFields[c]];
                if (value.IsEmpty)
                {
                    throw Error(lineNumber, _cohortColumns[c], $"building '{id}' has an empty cohort value");
                }
                values[c] = Intern(value);
            }
            building = new BuildingAccumulator(id.ToString(), values, lineNumber);
            _buildings.Add(building.Id, building);
            _order.Add(building);
            return building;
        }

        private string Intern(ReadOnlySpan<char> value)
        {
            if (_stringLookup.TryGetValue(value, out string? existing))
            {
                return existing;
            }
            string text = value.ToString();
            _strings.Add(text);
            return text;
        }

        private DataFormatException Error(long lineNumber, string? column, string reason) =>
            new(_source, lineNumber, column, reason);
    }
}
