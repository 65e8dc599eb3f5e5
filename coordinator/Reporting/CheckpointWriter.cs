using System.Text.Json;
using Federated.Coordinator.Federation;
using Federated.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Reporting;

/// <summary>Metadata written beside each checkpoint's payload.</summary>
internal sealed record CheckpointInfo(string RunId, ulong Round, ulong ModelVersion, string Layout, int Length, string Encoding, string Sha256, string PayloadFile, DateTimeOffset WrittenAt);

/// <summary>
/// Saves the global model after each round under <c>OutDir/checkpoints/</c>: <c>round-NNNN.f32</c> (the
/// float32-le payload) and <c>round-NNNN.json</c> (metadata with its SHA-256), then <c>latest.json</c>, each
/// written atomically.
/// </summary>
internal sealed class CheckpointWriter(IOptions<FederationOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Directory => Path.Combine(options.Value.OutDir, "checkpoints");

    public async Task<string> WriteAsync(FederationRun run, ulong round, StoredModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(model);
        string name = FormattableString.Invariant($"round-{round:D4}");
        string payloadPath = Path.Combine(Directory, name + ".f32");
        // The payload is durable (temp file, fsync, rename, directory fsync) before the state store points to it.
        await Persistence.DurableFile.WriteAsync(payloadPath, model.Payload,
            () => Persistence.CrashPoints.ReachedAsync("checkpoint", round, cancellationToken), cancellationToken).ConfigureAwait(false);
        var info = new CheckpointInfo(run.RunId, round, model.Ref.ModelVersion, run.Layout.ToString(), run.Layout.Length, model.Ref.Encoding,
            Convert.ToHexStringLower(model.Ref.Sha256.Span), name + ".f32", DateTimeOffset.UtcNow);
        var json = JsonSerializer.SerializeToUtf8Bytes(info, Json);
        await AtomicFile.WriteAsync(Path.Combine(Directory, name + ".json"), json, cancellationToken).ConfigureAwait(false);
        // From this commit on the round counts as completed (a restart continues after it, never re-runs it).
        run.CommitCheckpoint(round, model, payloadPath);
        await AtomicFile.WriteAsync(Path.Combine(Directory, "latest.json"), json, cancellationToken).ConfigureAwait(false);
        return payloadPath;
    }
}
