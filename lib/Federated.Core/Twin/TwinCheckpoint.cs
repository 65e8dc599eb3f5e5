using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Core.Twin;

/// <summary>
/// A trained twin on disk (site side only: it holds the buildings' physical parameters). JSON, so an operator
/// can read what the model believes about each building.
/// </summary>
public sealed record TwinCheckpoint
{
    public const string FormatName = "federated-twin-checkpoint";
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = FormatVersion;
    public required string Layout { get; init; }
    public required int LayoutVersion { get; init; }
    public required int Horizon { get; init; }
    public required int HiddenWidth { get; init; }
    public required int CohortBuckets { get; init; }
    public required IReadOnlyList<string> CohortColumns { get; init; }
    public required float[] Shared { get; init; }
    public required IReadOnlyDictionary<string, ThermalParameters> Buildings { get; init; }

    [JsonIgnore]
    public TwinOptions Options => new() { Horizon = Horizon, HiddenWidth = HiddenWidth, CohortBuckets = CohortBuckets };

    public static TwinCheckpoint From(BuildingThermalTwin twin, IReadOnlyList<string> cohortColumns)
    {
        ArgumentNullException.ThrowIfNull(twin);
        return new TwinCheckpoint
        {
            Layout = TwinSharedModel.LayoutName,
            LayoutVersion = TwinSharedModel.LayoutVersion,
            Horizon = twin.Options.Horizon,
            HiddenWidth = twin.Options.HiddenWidth,
            CohortBuckets = twin.Options.CohortBuckets,
            CohortColumns = cohortColumns,
            Shared = TwinSharedModel.Flatten(twin.Correction),
            Buildings = twin.PhysicalParameters(),
        };
    }

    /// <summary>Builds a twin holding this checkpoint's parameters.</summary>
    public BuildingThermalTwin ToTwin(TorchSharp.torch.Device? device = null)
    {
        var twin = new BuildingThermalTwin(Buildings.Keys.ToList(), Options, device);
        TwinSharedModel.Load(twin.Correction, Shared);
        foreach (var (id, parameters) in Buildings)
        {
            twin.SetPhysical(id, parameters);
        }
        return twin;
    }

    /// <summary>Writes atomically: a crash leaves either the old file or the new one, never half of one.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await JsonSerializer.SerializeAsync(stream, this, Json, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static async Task<TwinCheckpoint> LoadAsync(string path, CancellationToken cancellationToken)
    {
        TwinCheckpoint? checkpoint;
        try
        {
            await using var stream = File.OpenRead(path);
            checkpoint = await JsonSerializer.DeserializeAsync<TwinCheckpoint>(stream, Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a twin checkpoint ({ex.Message}).", ex);
        }
        if (checkpoint is null || checkpoint.Format != FormatName)
        {
            throw new InvalidDataException($"{path}: not a twin checkpoint (format '{checkpoint?.Format}', expected '{FormatName}').");
        }
        if (checkpoint.Version != FormatVersion || checkpoint.Layout != TwinSharedModel.LayoutName || checkpoint.LayoutVersion != TwinSharedModel.LayoutVersion)
        {
            throw new InvalidDataException($"{path}: checkpoint v{checkpoint.Version} with layout {checkpoint.Layout}/v{checkpoint.LayoutVersion}; " +
                $"this build reads v{FormatVersion} with {TwinSharedModel.LayoutName}/v{TwinSharedModel.LayoutVersion}.");
        }
        checkpoint.Options.Validate();
        int expected = TwinSharedModel.Layout(checkpoint.Options).Length;
        if (checkpoint.Shared is null || checkpoint.Shared.Length != expected)
        {
            throw new InvalidDataException($"{path}: field 'shared' has {checkpoint.Shared?.Length ?? 0} values; the layout needs {expected}.");
        }
        if (checkpoint.Shared.Any(v => !float.IsFinite(v)) || checkpoint.Buildings.Values.Any(p => p.ToArray().Any(v => !double.IsFinite(v))))
        {
            throw new InvalidDataException($"{path}: checkpoint holds non-finite values.");
        }
        return checkpoint;
    }
}
