using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Persistence;
using Federated.Federation;
using Microsoft.Extensions.Logging;
using RoundPhase = Federated.Coordinator.Rounds.RoundPhase;

namespace Federated.Coordinator.Federation;

/// <summary>
/// Durable state: restoring a run from <see cref="RunStore"/> at construction, and writing every state change of
/// the run to it (joins, round phases, committed checkpoints, round outcomes, key epochs, the run's status). Only
/// aggregate metrics go to the store; per-site validation values, updates, keys and tokens never do.
/// </summary>
internal sealed partial class FederationRun
{
    private static readonly JsonSerializerOptions RecordJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
        // Records written by an older build may lack members added since; they read as defaults.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { info => { foreach (var p in info.Properties) { p.IsRequired = false; } } } },
    };

    private RunStore? _store;
    private readonly Dictionary<ulong, uint> _lastAttempts = [];

    /// <summary>True when the run's state is kept in a <see cref="RunStore"/> (a restart continues it).</summary>
    public bool IsPersistent => _store is not null;

    /// <summary>The store, when persistent.</summary>
    public RunStore? StateStore => _store;

    /// <summary>Set when the stored run had already ended for good (completed or stopped by an operator): no rounds are run.</summary>
    public (bool Completed, string Reason)? StoredOutcome { get; private set; }

    /// <summary>True when this process continued a stored run.</summary>
    public bool Restarted { get; private set; }

    /// <summary>First attempt number to use for <paramref name="round"/>: one past any attempt already made, so a restarted round never reuses an attempt (nor, in encrypted runs, a ciphertext round).</summary>
    public uint FirstAttempt(ulong round)
    {
        lock (_gate)
        {
            return _lastAttempts.TryGetValue(round, out var last) ? last + 1 : 1;
        }
    }

    /// <summary>Applies a stored run (verified checkpoint, records, key epoch) and starts recording changes.</summary>
    private void AttachStore(RunStore? store, StoredRun? stored)
    {
        if (store is null)
        {
            return;
        }
        _store = store;
        int leftovers = DurableFile.RemoveLeftovers(Path.Combine(_options.OutDir, "checkpoints"));
        if (stored is not null)
        {
            Restarted = true;
            if (!string.Equals(stored.Layout, Layout.ToString(), StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The state in {store.Path} belongs to a run of layout {stored.Layout}; this coordinator's model is {Layout}. Use another Persistence:StateDir.");
            }
            if (!string.IsNullOrWhiteSpace(_options.RunId) && !string.Equals(_options.RunId, stored.RunId, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Federation:RunId \"{_options.RunId}\" differs from run \"{stored.RunId}\" kept in {store.Path}. Use another Persistence:StateDir for a new run.");
            }
            if (stored.Latest is { } latest)
            {
                byte[] payload = RunStore.ReadVerified(latest);
                if (!UpdateEncodings.TryDecodeFloat32(payload, Layout.Length, out var values, out var error))
                {
                    throw new InvalidDataException($"Checkpoint {latest.Path}: {error}.");
                }
                _models[latest.ModelVersion] = Store(latest.ModelVersion, values);
                _modelVersion = latest.ModelVersion;
                _roundsCompleted = latest.Round;
            }
            var interrupted = new List<(ulong, uint, string, string?, string?)>();
            foreach (var row in stored.Rounds)
            {
                _lastAttempts[row.Round] = Math.Max(row.Attempt, _lastAttempts.GetValueOrDefault(row.Round));
                var record = ParseRecord(row.Record);
                bool final = row.Phase is nameof(RoundPhase.Completed) or nameof(RoundPhase.Failed);
                if (!final)
                {
                    string phase = row.ModelCommitted ? nameof(RoundPhase.Completed) : nameof(RoundPhase.Failed);
                    string? reason = row.ModelCommitted ? null : $"interrupted by a coordinator restart in phase {row.Phase}";
                    record = row.ModelCommitted && record is not null
                        ? record with { Phase = RoundPhase.Completed }
                        : EmptyRecord(row.Round, row.Attempt, row.ModelCommitted ? RoundPhase.Completed : RoundPhase.Failed, row.BaseModelVersion, reason);
                    interrupted.Add((row.Round, row.Attempt, phase, Serialize(record), reason ?? "the model was committed; its evaluation was interrupted by a coordinator restart"));
                }
                if (record is not null)
                {
                    _records.Add(record);
                }
            }
            _epochs = stored.LastKeyEpoch;
            if (interrupted.Count > 0)
            {
                store.CloseInterrupted(interrupted);
            }
            if (stored.Status is RunStatus.Completed or RunStatus.Stopped)
            {
                StoredOutcome = (stored.Status == RunStatus.Completed, stored.StatusReason ?? stored.Status);
            }
            LogRestored(RunId, store.Path, _roundsCompleted, _modelVersion, interrupted.Count);
        }
        store.Initialize(RunId, Layout.ToString(), JsonSerializer.Serialize(_options, RecordJson), restarted: stored is not null);
        if (leftovers > 0)
        {
            store.AppendEvent("checkpoint.cleanup", leftovers.ToString(CultureInfo.InvariantCulture) + " unfinished temporary checkpoint file(s) removed");
        }
        if (stored is not null && StoredOutcome is null)
        {
            store.SetStatus(RunStatus.Running, "continuing after a restart");
        }
        RoundRecorded += PersistRecord;
    }

    /// <summary>Records a join (site id and time only).</summary>
    private void PersistJoin(string siteId) => _store?.RecordJoin(siteId);

    /// <summary>Records the phase a round attempt entered.</summary>
    /// <remarks>Aggregating is recorded from CloseTraining, under the lock: the round's kept partial uploads go with it.</remarks>
    private void PersistPhase(RoundContext round, RoundPhase phase, IEnumerable<string>? selected = null)
    {
        if (phase == RoundPhase.Aggregating)
        {
            DropPartialUploads();
        }
        _store?.RecordPhase(round.Round, round.Attempt, round.BaseModelVersion, phase.ToString(), selected);
    }

    /// <summary>Records the start of key ceremony <paramref name="epoch"/>.</summary>
    private void PersistKeyEpoch(uint epoch) => _store?.RecordKeyEpoch(epoch);

    /// <summary>Records the run's status.</summary>
    public void PersistStatus(string status, string reason) => _store?.SetStatus(status, reason);

    /// <summary>
    /// Called once the checkpoint of <paramref name="model"/> is durably on disk at <paramref name="path"/>: commits
    /// it, and with it the completion of the current round, in one transaction.
    /// </summary>
    public void CommitCheckpoint(ulong round, StoredModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (_store is null)
        {
            return;
        }
        RoundRecord snapshot;
        uint attempt;
        lock (_gate)
        {
            var current = _current is { } c && c.Round == round ? c : null;
            attempt = current?.Attempt ?? FirstAttemptUnlocked(round);
            snapshot = current is null
                ? EmptyRecord(round, attempt, RoundPhase.Completed, model.Ref.ModelVersion - 1, null) with { ModelVersion = model.Ref.ModelVersion }
                : new RoundRecord
                {
                    Round = current.Round,
                    Attempt = current.Attempt,
                    Phase = RoundPhase.Completed,
                    Participants = current.Updates.Keys.Order(StringComparer.Ordinal).ToArray(),
                    Stragglers = current.Stragglers.ToArray(),
                    TrainLoss = current.Encrypted is { } enc ? enc.TrainLoss : current.Updates.Count == 0 ? double.NaN : WeightedMean.TrainLoss(current.Updates.Values.ToArray()),
                    ValidationSums = Core.Federation.EvaluationSums.Empty,
                    SiteValidationRmse = new Dictionary<string, double>(StringComparer.Ordinal),
                    Encryption = EncryptionMetrics(current),
                    BytesUploaded = current.BytesUploaded,
                    BytesDownloaded = current.BytesDownloaded,
                    WallSeconds = current.Clock.Elapsed.TotalSeconds,
                    ModelVersion = model.Ref.ModelVersion,
                };
        }
        _store.CommitCheckpoint(round, attempt, model.Ref.ModelVersion, Path.GetFullPath(path), Convert.ToHexStringLower(model.Ref.Sha256.Span), model.Payload.Length, Serialize(snapshot));
    }

    private uint FirstAttemptUnlocked(ulong round) => _lastAttempts.TryGetValue(round, out var last) ? last + 1 : 1;

    /// <summary>RoundRecorded handler (under the run's lock): the attempt's outcome, without per-site values.</summary>
    private void PersistRecord(RoundRecord record)
    {
        _lastAttempts[record.Round] = Math.Max(record.Attempt, _lastAttempts.GetValueOrDefault(record.Round));
        _store?.RecordOutcome(record.Round, record.Attempt, record.ModelVersion, record.Phase.ToString(), Serialize(record), record.FailureReason);
    }

    private static string Serialize(RoundRecord record) =>
        JsonSerializer.Serialize(record with { SiteValidationRmse = new Dictionary<string, double>(StringComparer.Ordinal) }, RecordJson);

    private static RoundRecord? ParseRecord(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        var record = JsonSerializer.Deserialize<RoundRecord>(json, RecordJson);
        return record is null ? null : record with
        {
            Participants = record.Participants ?? [],
            Stragglers = record.Stragglers ?? [],
            ValidationSums = record.ValidationSums ?? Core.Federation.EvaluationSums.Empty,
            SiteValidationRmse = record.SiteValidationRmse ?? new Dictionary<string, double>(StringComparer.Ordinal),
        };
    }

    private static RoundRecord EmptyRecord(ulong round, uint attempt, RoundPhase phase, ulong modelVersion, string? reason) => new()
    {
        Round = round,
        Attempt = attempt,
        Phase = phase,
        Participants = [],
        Stragglers = [],
        TrainLoss = double.NaN,
        ValidationSums = Core.Federation.EvaluationSums.Empty,
        SiteValidationRmse = new Dictionary<string, double>(StringComparer.Ordinal),
        BytesUploaded = 0,
        BytesDownloaded = 0,
        WallSeconds = 0,
        ModelVersion = modelVersion,
        FailureReason = reason,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} restored from {Path}: {Rounds} round(s) completed, model version {Version}; {Interrupted} interrupted attempt(s) closed")]
    private partial void LogRestored(string runId, string path, ulong rounds, ulong version, int interrupted);
}
