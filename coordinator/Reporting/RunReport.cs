using System.Text.Json;
using System.Text.Json.Serialization;
using Federated.Coordinator.Federation;

namespace Federated.Coordinator.Reporting;

/// <summary>One round of report.json.</summary>
internal sealed record RoundReport(
    ulong Round,
    uint Attempt,
    string Phase,
    int ParticipantCount,
    IReadOnlyList<string> Participants,
    IReadOnlyList<string> Stragglers,
    double? TrainLoss,
    double? ValidationRmse,
    double? ValidationMae,
    long ValidationCount,
    IReadOnlyDictionary<string, double?> SiteValidationRmse,
    long BytesUploaded,
    long BytesDownloaded,
    long BytesMoved,
    double WallSeconds,
    ulong ModelVersion,
    string? FailureReason,
    Encryption.EncryptionRoundMetrics? Encryption = null);

/// <summary>Per-site comparison printed by the demo (test-period RMSE on the site's under-represented cohort).</summary>
internal sealed record SiteComparison(
    string SiteId,
    string? Cohort,
    long Predictions,
    double? Federated,
    double? Untrained,
    double? Persistence,
    double? LocalOnly,
    bool BeatsAll);

/// <summary>The content of report.json.</summary>
internal sealed record RunReport(
    string RunId,
    string Strategy,
    int RoundsConfigured,
    ulong RoundsCompleted,
    bool Completed,
    string Layout,
    IReadOnlyList<RoundReport> Rounds,
    IReadOnlyList<SiteComparison>? Comparisons = null,
    string Encryption = "none",
    IReadOnlyList<Encryption.RoundOverhead>? Overhead = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static RunReport From(FederationRun run, bool completed, IReadOnlyList<SiteComparison>? comparisons = null, IReadOnlyList<Encryption.RoundOverhead>? overhead = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var rounds = run.Records.Select(r => new RoundReport(
            r.Round, r.Attempt, r.Phase.ToString(), r.Participants.Count, r.Participants, r.Stragglers,
            Finite(r.TrainLoss), Finite(r.ValidationRmse), Finite(r.ValidationMae), r.ValidationSums.Count,
            r.SiteValidationRmse.ToDictionary(p => p.Key, p => Finite(p.Value), StringComparer.Ordinal),
            r.BytesUploaded, r.BytesDownloaded, r.BytesUploaded + r.BytesDownloaded, r.WallSeconds, r.ModelVersion, r.FailureReason, r.Encryption)).ToArray();
        string encryption = run.IsEncrypted ? $"rlwe ({run.HeParameters.Name}, F = {run.Plan.FractionalBits}, clip {run.Plan.Clip}, n_cap {run.Plan.SampleCap})" : "none";
        return new RunReport(run.RunId, run.Options.Strategy, run.Options.Rounds, run.RoundsCompleted, completed, run.Layout.ToString(), rounds, comparisons, encryption, overhead);
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static RunReport? Parse(byte[] json) => JsonSerializer.Deserialize<RunReport>(json, Json);

    public Task WriteAsync(string path, CancellationToken cancellationToken) => AtomicFile.WriteAsync(path, ToJson(), cancellationToken);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
