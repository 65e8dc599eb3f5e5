using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Core.Data.Generation;

/// <summary>
/// <c>manifest.json</c> of a generated federation: the ground truth behind every site file. Hours count whole
/// hours since the Unix epoch (UTC); the train period is [<see cref="TrainStartHour"/>, <see cref="SplitHour"/>),
/// the test period [<see cref="SplitHour"/>, <see cref="EndHour"/>).
/// </summary>
public sealed record FederationManifest(
    int FormatVersion,
    GeneratorOptions Options,
    string Weather,
    IReadOnlyList<string> CohortColumns,
    long TrainStartHour,
    long SplitHour,
    long EndHour,
    DateTimeOffset TrainStartUtc,
    DateTimeOffset SplitUtc,
    DateTimeOffset EndUtc,
    IReadOnlyList<SiteManifest> Sites)
{
    public const int CurrentFormatVersion = 1;
    public const string FileName = "manifest.json";

    internal static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Reads a manifest written by <see cref="SiteDataGenerator"/>.</summary>
    public static async Task<FederationManifest> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var stream = File.OpenRead(path);
        var manifest = await JsonSerializer.DeserializeAsync<FederationManifest>(stream, JsonOptions, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{path}: the manifest is empty.");
        if (manifest.FormatVersion != CurrentFormatVersion)
        {
            throw new InvalidDataException($"{path}: manifest format version {manifest.FormatVersion}, expected {CurrentFormatVersion}.");
        }
        return manifest;
    }
}

/// <summary>One site of a generated federation.</summary>
/// <param name="Index">0-based site index; the site under-represents building age <c>Ages[Index mod 3]</c>.</param>
/// <param name="Name">e.g. <c>site-01</c>.</param>
/// <param name="File">The CSV file name inside the output directory.</param>
/// <param name="UnderRepresentedColumn">The cohort column the site under-represents (<c>building_age</c>).</param>
/// <param name="UnderRepresentedValue">The value it under-represents.</param>
/// <param name="OutdoorOffsetK">Added to the weather file's temperatures for this site.</param>
/// <param name="ClearnessSeed">Seed of the site's <see cref="Weather.DailyClearness"/>.</param>
/// <param name="CohortCounts">Cohort column → value → number of buildings (every value listed, zeros included).</param>
/// <param name="Buildings">The site's buildings in file order.</param>
public sealed record SiteManifest(
    int Index,
    string Name,
    string File,
    string UnderRepresentedColumn,
    string UnderRepresentedValue,
    double OutdoorOffsetK,
    int ClearnessSeed,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> CohortCounts,
    IReadOnlyList<BuildingManifest> Buildings);

/// <summary>A building's cohorts and TRUE parameters.</summary>
public sealed record BuildingManifest(
    string BuildingId,
    IReadOnlyDictionary<string, string> Cohorts,
    TrueThermalParameters Parameters,
    ThermostatSettings Thermostat,
    double InitialIndoorC)
{
    [JsonIgnore]
    public string BuildingAge => Cohorts[CohortValues.BuildingAge];

    [JsonIgnore]
    public string IncomeTier => Cohorts[CohortValues.IncomeTier];
}

/// <summary>What <see cref="SiteDataGenerator.GenerateAsync"/> produced.</summary>
/// <param name="OutputDirectory">The complete output directory.</param>
/// <param name="Manifest">The ground truth (also in <c>manifest.json</c>).</param>
/// <param name="SiteFiles">Full paths of the site CSV files, in site order.</param>
public sealed record GeneratedFederation(string OutputDirectory, FederationManifest Manifest, IReadOnlyList<string> SiteFiles);
