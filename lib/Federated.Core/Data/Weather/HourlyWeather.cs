using System.Globalization;

namespace Federated.Core.Data.Weather;

/// <summary>
/// One typical year of hourly weather, indexed by hour of year in local standard time (0 = 1 January 00:00).
/// <see cref="Seattle"/> is NOAA's 1981–2010 hourly climate normals for Seattle, embedded in this assembly
/// (attribution in <c>Data/Weather/ATTRIBUTION.md</c>).
/// </summary>
public sealed class HourlyWeather
{
    public const int HoursPerYear = 8760;
    private const string SeattleResource = "Federated.Core.Data.Weather.seattle-weather-hourly-normals.csv";
    private static readonly Lazy<HourlyWeather> LazySeattle = new(LoadSeattle);

    private readonly float[] _temperatureC;
    private readonly float[] _pressureHpa;
    private readonly float[] _windMs;

    private HourlyWeather(string name, double latitudeDeg, double longitudeDeg, int utcOffsetHours,
        float[] temperatureC, float[] pressureHpa, float[] windMs, int[] filledHours)
    {
        Name = name;
        LatitudeDeg = latitudeDeg;
        LongitudeDeg = longitudeDeg;
        UtcOffsetHours = utcOffsetHours;
        _temperatureC = temperatureC;
        _pressureHpa = pressureHpa;
        _windMs = windMs;
        FilledHours = filledHours;
    }

    /// <summary>Seattle, WA (47.6°N, 122.3°W, local standard time UTC−8), hourly normals 1981–2010.</summary>
    public static HourlyWeather Seattle => LazySeattle.Value;

    public string Name { get; }
    public double LatitudeDeg { get; }

    /// <summary>Degrees east (negative west).</summary>
    public double LongitudeDeg { get; }

    /// <summary>Local standard time minus UTC, hours (−8 for Seattle); the file's hours are local standard time.</summary>
    public int UtcOffsetHours { get; }

    /// <summary>Air temperature, °C, per local hour of year.</summary>
    public ReadOnlySpan<float> TemperatureC => _temperatureC;

    /// <summary>Sea-level pressure, hPa, per local hour of year.</summary>
    public ReadOnlySpan<float> PressureHpa => _pressureHpa;

    /// <summary>Wind speed, m/s, per local hour of year.</summary>
    public ReadOnlySpan<float> WindMs => _windMs;

    /// <summary>Hours of year the file lacks, filled by linear interpolation between their (cyclic) neighbours.</summary>
    public IReadOnlyList<int> FilledHours { get; }

    /// <summary>The local-standard-time hour of year of a UTC hour; 29 February reads as 28 February.</summary>
    public int HourOfYear(long utcHour)
    {
        DateTime local = DateTime.UnixEpoch.AddHours(utcHour + UtcOffsetHours);
        return HourOfYear(local);
    }

    /// <summary>Outdoor temperature, °C, during the UTC hour <paramref name="utcHour"/> (hours since the epoch).</summary>
    public float TemperatureAtUtc(long utcHour) => _temperatureC[HourOfYear(utcHour)];

    /// <summary>Parses the vega-datasets layout: <c>date,pressure,temperature,wind</c>, one row per local hour.</summary>
    /// <exception cref="InvalidDataException">A malformed, duplicate or out-of-range row, or too many missing hours.</exception>
    public static HourlyWeather Parse(TextReader reader, string sourceName, double latitudeDeg, double longitudeDeg, int utcOffsetHours)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        string header = reader.ReadLine() ?? throw new InvalidDataException($"{sourceName}: the file is empty.");
        string[] names = header.TrimStart('\uFEFF').Split(',');
        int Column(string name)
        {
            int at = Array.IndexOf(names, name);
            return at >= 0 ? at : throw new InvalidDataException($"{sourceName} line 1: column '{name}' is missing; the header has: {header}");
        }
        int dateAt = Column("date");
        int temperatureAt = Column("temperature");
        int pressureAt = Column("pressure");
        int windAt = Column("wind");

        var temperature = new float[HoursPerYear];
        var pressure = new float[HoursPerYear];
        var wind = new float[HoursPerYear];
        var present = new bool[HoursPerYear];
        int lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            string[] fields = line.Split(',');
            if (fields.Length != names.Length
                || !DateTime.TryParseExact(fields[dateAt], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime date)
                || !TryParse(fields[temperatureAt], -60, 60, out temperature[HourOfYear(date)])
                || !TryParse(fields[pressureAt], 850, 1100, out pressure[HourOfYear(date)])
                || !TryParse(fields[windAt], 0, 100, out wind[HourOfYear(date)]))
            {
                throw new InvalidDataException($"{sourceName} line {lineNumber}: expected date,pressure,temperature,wind values in range, got '{line}'.");
            }
            int hour = HourOfYear(date);
            if (present[hour])
            {
                throw new InvalidDataException($"{sourceName} line {lineNumber}: hour {fields[dateAt]} appears twice.");
            }
            present[hour] = true;
        }
        int[] filled = [.. Enumerable.Range(0, HoursPerYear).Where(h => !present[h])];
        if (filled.Length > 48)
        {
            throw new InvalidDataException($"{sourceName}: {filled.Length} of {HoursPerYear} hours are missing.");
        }
        foreach (float[] series in new[] { temperature, pressure, wind })
        {
            FillGaps(series, present);
        }
        return new HourlyWeather(sourceName, latitudeDeg, longitudeDeg, utcOffsetHours, temperature, pressure, wind, filled);
    }

    private static HourlyWeather LoadSeattle()
    {
        using Stream stream = typeof(HourlyWeather).Assembly.GetManifestResourceStream(SeattleResource)
            ?? throw new InvalidOperationException($"Embedded resource '{SeattleResource}' is missing from {typeof(HourlyWeather).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return Parse(reader, "seattle-weather-hourly-normals.csv", 47.6, -122.3, -8);
    }

    private static int HourOfYear(DateTime local)
    {
        int day = local.DayOfYear - 1;
        if (DateTime.IsLeapYear(local.Year) && day >= 59)
        {
            day--; // 29 February repeats 28 February; later days shift back to the common-year calendar
        }
        return day * 24 + local.Hour;
    }

    private static bool TryParse(string text, float min, float max, out float value) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    /// <summary>Linear interpolation across each run of missing hours, wrapping round the year's end.</summary>
    private static void FillGaps(float[] series, bool[] present)
    {
        int n = series.Length;
        for (int h = 0; h < n; h++)
        {
            if (present[h])
            {
                continue;
            }
            int before = h;
            while (!present[(before + n) % n])
            {
                before--;
            }
            int after = h;
            while (!present[after % n])
            {
                after++;
            }
            double fraction = (double)(h - before) / (after - before);
            series[h] = (float)(series[(before + n) % n] + fraction * (series[after % n] - series[(before + n) % n]));
        }
    }
}
