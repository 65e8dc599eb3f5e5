using System.CommandLine;

namespace Federated.Participant.Commands;

/// <summary>Options several participant commands share, so they read the same everywhere.</summary>
internal static class CommandLineOptions
{
    public static Option<FileInfo> Data(string description = "Site CSV (timestamp, building_id, outdoor_temp_c, solar_w_m2, hvac_kw, indoor_temp_c, cohort columns…).") =>
        new Option<FileInfo>("--data") { Description = description, Required = true }.AcceptExistingOnly();

    public static Option<string[]> CohortColumns() => new("--cohort-columns")
    {
        Description = "Comma-separated cohort columns to read (e.g. building_age,income_tier).",
        CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
    };

    public static Option<int> TestDays() => new("--test-days")
    {
        Description = "The last N days of the file form the test period.",
        DefaultValueFactory = _ => 14,
    };
}
