namespace Federated.Core.Data;

/// <summary>
/// Column names and physical sanity ranges of the site CSV format (one row per building per hour). See
/// <c>docs/data.md</c> for the meaning of each column.
/// </summary>
public static class SiteCsvSchema
{
    /// <summary>ISO 8601 UTC, on a whole hour, e.g. <c>2010-01-01T00:00:00Z</c>.</summary>
    public const string Timestamp = "timestamp";

    public const string BuildingId = "building_id";

    /// <summary>Mean outdoor air temperature over the hour starting at the timestamp, °C.</summary>
    public const string OutdoorTempC = "outdoor_temp_c";

    /// <summary>Mean global horizontal irradiance over the hour starting at the timestamp, W/m².</summary>
    public const string SolarWm2 = "solar_w_m2";

    /// <summary>Mean HVAC thermal power over the hour starting at the timestamp, kW; heating +, cooling −.</summary>
    public const string HvacKw = "hvac_kw";

    /// <summary>Indoor air temperature at the timestamp, °C.</summary>
    public const string IndoorTempC = "indoor_temp_c";

    /// <summary>The required columns, in the order the writer emits them.</summary>
    public static IReadOnlyList<string> RequiredColumns { get; } =
        [Timestamp, BuildingId, OutdoorTempC, SolarWm2, HvacKw, IndoorTempC];

    public const float OutdoorMinC = -60f;
    public const float OutdoorMaxC = 60f;
    public const float IndoorMinC = -20f;
    public const float IndoorMaxC = 50f;
    public const float SolarMinWm2 = 0f;
    public const float SolarMaxWm2 = 1500f;
    public const float HvacMaxAbsKw = 10000f;
}
