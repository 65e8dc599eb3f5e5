using System.Globalization;
using System.Security.Cryptography;
using Federated.Core.Fairness;
using Federated.Core.Federation;
using Federated.Federation.Encryption;
using Federated.Federation.Fairness;
using Federated.Federation.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federated.Federation.Client;

/// <summary>What a participant did over a whole run.</summary>
public sealed record ParticipantRunResult(
    string SiteId,
    bool Completed,
    ulong RoundsCompleted,
    int RoundsTrained,
    int Evaluations,
    long BytesUploaded,
    long BytesDownloaded,
    IReadOnlyList<UploadResult> Uploads,
    ulong FinalModelVersion);

/// <summary>
/// Runs one site through a federation: joins, follows the task stream, trains on <see cref="TrainTask"/>,
/// uploads the delta in chunks, evaluates on <see cref="EvaluateTask"/> and reports the sums, until the run ends
/// or <c>cancellationToken</c> fires. The site's data never leaves <see cref="ILocalTrainer"/>.
/// </summary>
#pragma warning disable CA1001 // The key material (_encryption) is disposed, and its secrets zeroed, when RunAsync ends.
public sealed partial class ParticipantWorker
#pragma warning restore CA1001
{
    private readonly FederationClient _client;
    private readonly ILocalTrainer _trainer;
    private readonly ParticipantOptions _options;
    private readonly ILogger _logger;
    private readonly IProgress<ParticipantEvent>? _progress;
    private readonly List<UploadResult> _uploads = [];
    private (ulong Version, float[] Values)? _cachedModel;
    private long _bytesUploaded;
    private long _bytesDownloaded;
    private ParticipantEncryption? _encryption;
    private readonly Dictionary<ulong, double> _trainMilliseconds = [];

    public ParticipantWorker(FederationClient client, ILocalTrainer trainer, ParticipantOptions options, ILogger<ParticipantWorker>? logger = null, IProgress<ParticipantEvent>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _trainer = trainer;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _progress = progress;
    }

    /// <summary>Tests only: keep the key material after RunAsync ends so refusals can be probed.</summary>
    internal bool RetainKeysAfterRun { get; init; }

    /// <summary>Takes part until the coordinator ends the run; returns what was done.</summary>
    public async Task<ParticipantRunResult> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!RetainKeysAfterRun)
            {
                _encryption?.Dispose();
            }
        }
    }

    private async Task<ParticipantRunResult> RunCoreAsync(CancellationToken cancellationToken)
    {
        string site = _options.SiteId;
        if (_client.Resilience is not { } resilience)
        {
            // Without a resilience layer: one session, and the run ends with the task stream.
            var once = await JoinAsync(cancellationToken).ConfigureAwait(false);
            var ended = await FollowTasksAsync(once, resilient: false, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Site {site}: the coordinator closed the task stream without ending the run.");
            return Result(ended.Completed, ended.RoundsCompleted, _trained, _evaluations, ended.FinalModel?.ModelVersion ?? 0);
        }

        // Resilient: a lost task stream (coordinator restart, network) or a paused run means Join again (through the
        // reconnect pipeline: backoff with jitter until ReconnectTimeout) and carry on with the current task.
        int quickFailures = 0;
        while (true)
        {
            var session = await resilience.Reconnect.ExecuteAsync(async token => await JoinAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            long eventsBefore = _events;
            try
            {
                var ended = await FollowTasksAsync(session, resilient: true, cancellationToken).ConfigureAwait(false);
                if (ended is { Resumable: false })
                {
                    return Result(ended.Completed, ended.RoundsCompleted, _trained, _evaluations, ended.FinalModel?.ModelVersion ?? 0);
                }
                LogReconnect(site, ended?.Reason ?? "the task stream closed without ending the run");
            }
            catch (Grpc.Core.RpcException ex) when (Resilience.TransientFaults.IsReconnectable(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogReconnect(site, ex.Status.StatusCode + ": " + ex.Status.Detail);
            }
            // A stream that delivered nothing before failing is retried after a growing pause, not in a tight loop.
            quickFailures = _events == eventsBefore ? quickFailures + 1 : 0;
            if (quickFailures > 0)
            {
                double ms = Math.Min(resilience.Options.ReconnectMaxDelay.TotalMilliseconds, resilience.Options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(quickFailures, 16)));
                await Task.Delay(TimeSpan.FromMilliseconds(ms * (0.5 + Random.Shared.NextDouble() / 2)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private int _trained;
    private int _evaluations;
    private long _events;
    private readonly HashSet<(ulong Round, uint Attempt, bool Evaluate)> _done = [];

    /// <summary>Joins (again): a new session, and in encrypted runs fresh key material (the old one is zeroed).</summary>
    private async Task<JoinResponse> JoinAsync(CancellationToken cancellationToken)
    {
        string site = _options.SiteId;
        var session = await _client.JoinAsync(site, _trainer.Layout, cancellationToken).ConfigureAwait(false);
        LogJoined(site, session.RunId, session.UpdateEncoding, session.ChunkBytes);
        if (string.Equals(session.UpdateEncoding, UpdateEncodings.RlweV1, StringComparison.Ordinal))
        {
            _encryption?.Dispose();
            _encryption = new ParticipantEncryption(_client, session.RunId);
        }
        Report(ParticipantEventKind.Joined, 0, session.RunId);
        return session;
    }

    private static bool IsEncryptedTask(TaskEvent evt) =>
        evt.EventCase switch
        {
            TaskEvent.EventOneofCase.Train => evt.Train.Encryption is not null,
            TaskEvent.EventOneofCase.Evaluate => evt.Evaluate.Encryption is not null,
            _ => false,
        };

    /// <summary>Follows one task stream; returns RunEnded, or null when the stream closed without it.</summary>
    private async Task<RunEnded?> FollowTasksAsync(JoinResponse session, bool resilient, CancellationToken cancellationToken)
    {
        string site = _options.SiteId;
        RunEnded? result = null;
        await foreach (var evt in _client.WatchTasksAsync(cancellationToken).ConfigureAwait(false))
        {
            _events++;
            try
            {
                switch (evt.EventCase)
                {
                    case TaskEvent.EventOneofCase.Train:
                        // A re-sent task (after a reconnect) that this site already delivered is not trained again.
                        if (_done.Contains((evt.Train.Round, evt.Train.Attempt, false)))
                        {
                            break;
                        }
                        await TrainAsync(evt.Train, session, cancellationToken).ConfigureAwait(false);
                        _done.Add((evt.Train.Round, evt.Train.Attempt, false));
                        _trained++;
                        break;
                    case TaskEvent.EventOneofCase.Evaluate:
                        if (_done.Contains((evt.Evaluate.Round, evt.Evaluate.Attempt, true)))
                        {
                            break;
                        }
                        await EvaluateAsync(evt.Evaluate, cancellationToken).ConfigureAwait(false);
                        _done.Add((evt.Evaluate.Round, evt.Evaluate.Attempt, true));
                        _evaluations++;
                        break;
                    case TaskEvent.EventOneofCase.KeyCeremony:
                        await Encryption(evt.EventCase).HandleCeremonyAsync(evt.KeyCeremony, cancellationToken).ConfigureAwait(false);
                        break;
                    case TaskEvent.EventOneofCase.Decrypt:
                        await Encryption(evt.EventCase).HandleDecryptAsync(evt.Decrypt, cancellationToken).ConfigureAwait(false);
                        break;
                    case TaskEvent.EventOneofCase.Missed:
                        LogMissed(site, evt.Missed.Round, evt.Missed.Reason);
                        Report(ParticipantEventKind.Missed, evt.Missed.Round, evt.Missed.Reason);
                        break;
                    case TaskEvent.EventOneofCase.Ended:
                        var ended = evt.Ended;
                        LogEnded(site, ended.Completed, ended.RoundsCompleted, ended.Reason);
                        Report(ParticipantEventKind.Ended, ended.RoundsCompleted, ended.Reason);
                        // The coordinator closes the stream right after this; reading on lets the call end cleanly.
                        result = ended;
                        break;
                    default:
                        LogUnknownEvent(site, evt.EventCase.ToString());
                        break;
                }
            }
            catch (Grpc.Core.RpcException ex) when (resilient && ex.StatusCode is Grpc.Core.StatusCode.FailedPrecondition or Grpc.Core.StatusCode.PermissionDenied or Grpc.Core.StatusCode.NotFound)
            {
                // The task went stale while this site worked on it (the round closed, was re-run or moved on).
                LogStaleTask(site, evt.EventCase.ToString(), ex.Status.StatusCode + ": " + ex.Status.Detail);
            }
            catch (InvalidOperationException ex) when (resilient && IsEncryptedTask(evt))
            {
                // Encrypted task for a key this (re-joined) site does not hold: the coordinator re-keys before its next attempt.
                LogStaleTask(site, evt.EventCase.ToString(), ex.Message);
            }
        }
        return result;
    }

    /// <summary>Local training time per round (the last attempt's), milliseconds.</summary>
    public IReadOnlyDictionary<ulong, double> TrainingMilliseconds => _trainMilliseconds;

    /// <summary>The encryption side of this participant; null in plaintext runs (or before Join).</summary>
    public ParticipantEncryption? EncryptionState => _encryption;

    private ParticipantEncryption Encryption(TaskEvent.EventOneofCase what) =>
        _encryption ?? throw new InvalidOperationException($"Site {_options.SiteId}: {what} task in a run that did not negotiate {UpdateEncodings.RlweV1}.");

    private ParticipantRunResult Result(bool completed, ulong rounds, int trained, int evaluations, ulong finalVersion) =>
        new(_options.SiteId, completed, rounds, trained, evaluations, _bytesUploaded, _bytesDownloaded, _uploads.ToArray(), finalVersion);

    private async Task TrainAsync(TrainTask task, JoinResponse session, CancellationToken cancellationToken)
    {
        Report(ParticipantEventKind.Training, task.Round, "training");
        var global = await GetModelAsync(task.GlobalModel, cancellationToken).ConfigureAwait(false);
        var plan = task.Plan.ToCore(checked((int)task.Round));
        long trainStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var update = await _trainer.TrainAsync(global, plan, cancellationToken).ConfigureAwait(false);
        _trainMilliseconds[task.Round] = System.Diagnostics.Stopwatch.GetElapsedTime(trainStart).TotalMilliseconds;
        if (update.Delta.Length != _trainer.Layout.Length)
        {
            throw new InvalidOperationException($"Site {_options.SiteId}: the trainer returned {update.Delta.Length} values for layout {_trainer.Layout}.");
        }
        // q-FFL: upload F^q·δ and the term h instead of δ (QfflTerms); the coordinator needs only their sums.
        double qfflH = 0;
        if (task.Qffl is { } qffl)
        {
            (update, qfflH) = QfflTerms.Compute(update, qffl.Q, qffl.Lipschitz);
        }
        bool encrypted = task.Encryption is not null;
        byte[] payload = encrypted ? Encryption(TaskEvent.EventOneofCase.Train).EncryptUpdate(task, update, qfflH) : UpdateEncodings.EncodeFloat32(update.Delta);
        var header = new UpdateHeader
        {
            Round = task.Round,
            Encoding = encrypted ? UpdateEncodings.RlweV1 : session.UpdateEncoding,
            // Encrypted: the sample count and the loss travel inside the ciphertext, never in the clear.
            SampleCount = encrypted ? 0 : checked((ulong)update.SampleCount),
            TrainLoss = encrypted ? double.NaN : update.TrainLoss,
            BaseModelVersion = task.GlobalModel.ModelVersion,
            IdempotencyKey = IdempotencyKey(task, payload),
            QfflH = encrypted ? 0 : qfflH,
        };
        int chunkBytes = (int)Math.Max(1, session.ChunkBytes);
        var result = await _client.UploadUpdateAsync(header, payload, chunkBytes, cancellationToken).ConfigureAwait(false);
        _uploads.Add(result);
        _bytesUploaded += result.PayloadBytes;
        double mbps = result.PayloadBytes / 1e6 / Math.Max(result.Elapsed.TotalSeconds, 1e-9);
        LogUploaded(_options.SiteId, task.Round, result.PayloadBytes, result.Elapsed.TotalMilliseconds, mbps, update.TrainLoss);
        Report(ParticipantEventKind.Uploaded, task.Round,
            string.Create(CultureInfo.InvariantCulture, $"loss {update.TrainLoss:G4}, {result.PayloadBytes / 1024.0:F0} KiB in {result.Elapsed.TotalMilliseconds:F0} ms"));
    }

    private async Task EvaluateAsync(EvaluateTask task, CancellationToken cancellationToken)
    {
        var global = await GetModelAsync(task.GlobalModel, cancellationToken).ConfigureAwait(false);
        // Fairness: per-cohort additive statistics in the consortium's fixed layout, from the same forecast rows as
        // the sums; a trainer that cannot forecast contributes zeros of the same length.
        Core.Federation.EvaluationSums sums;
        double[] cohortStatistics = [];
        if (task.Fairness is { } fairness)
        {
            var layout = fairness.ToLayout();
            if (_trainer is IForecastEvaluator forecaster)
            {
                var forecast = await forecaster.ForecastTestAsync(global, cancellationToken).ConfigureAwait(false);
                sums = forecast.Errors();
                cohortStatistics = CohortStatistics.Compute(forecast, layout);
            }
            else
            {
                sums = await _trainer.EvaluateAsync(global, cancellationToken).ConfigureAwait(false);
                cohortStatistics = new double[layout.Length];
            }
        }
        else
        {
            sums = await _trainer.EvaluateAsync(global, cancellationToken).ConfigureAwait(false);
        }
        if (task.Encryption is not null)
        {
            await Encryption(TaskEvent.EventOneofCase.Evaluate).ReportEvaluationAsync(task, sums, cancellationToken, cohortStatistics).ConfigureAwait(false);
        }
        else
        {
            await _client.ReportEvaluationAsync(task.Round, task.GlobalModel.ModelVersion, sums, cancellationToken, cohortStatistics).ConfigureAwait(false);
        }
        LogEvaluated(_options.SiteId, task.Round, sums.Rmse, sums.Count);
        Report(ParticipantEventKind.Evaluated, task.Round, string.Create(CultureInfo.InvariantCulture, $"rmse {sums.Rmse:F4}"));
    }

    private async Task<float[]> GetModelAsync(ModelRef model, CancellationToken cancellationToken)
    {
        if (_cachedModel is { } cached && cached.Version == model.ModelVersion)
        {
            return cached.Values;
        }
        if (model.Layout is null || model.Layout.ToCore() != _trainer.Layout)
        {
            throw new InvalidOperationException($"Site {_options.SiteId}: global model layout {model.Layout.Describe()} does not match the trainer's {_trainer.Layout}.");
        }
        var downloaded = await _client.DownloadModelAsync(model.ModelVersion, _options.MaxModelBytes, cancellationToken).ConfigureAwait(false);
        _bytesDownloaded += downloaded.Payload.Length;
        if (!string.Equals(downloaded.Model.Encoding, UpdateEncodings.Float32LittleEndian, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Site {_options.SiteId}: global model encoding \"{downloaded.Model.Encoding}\" is not supported.");
        }
        if (!UpdateEncodings.TryDecodeFloat32(downloaded.Payload, _trainer.Layout.Length, out var values, out var error))
        {
            throw new InvalidDataException($"Site {_options.SiteId}: global model {model.ModelVersion}: {error}.");
        }
        _cachedModel = (model.ModelVersion, values);
        return values;
    }

    private string IdempotencyKey(TrainTask task, byte[] payload)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(payload).AsSpan(0, 8));
        return string.Create(CultureInfo.InvariantCulture, $"{_options.SiteId}/r{task.Round}/a{task.Attempt}/{digest}");
    }

    private void Report(ParticipantEventKind kind, ulong round, string detail) =>
        _progress?.Report(new ParticipantEvent(_options.SiteId, kind, round, detail));

    [LoggerMessage(Level = LogLevel.Information, Message = "Site {Site} joined run {RunId} (encoding {Encoding}, chunk {ChunkBytes} bytes)")]
    private partial void LogJoined(string site, string runId, string encoding, uint chunkBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Site {Site} round {Round}: uploaded {Bytes} bytes in {Milliseconds:F1} ms ({MegabytesPerSecond:F1} MB/s), train loss {Loss:G4}")]
    private partial void LogUploaded(string site, ulong round, long bytes, double milliseconds, double megabytesPerSecond, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "Site {Site} round {Round}: evaluated the global model, RMSE {Rmse:F4} over {Count} predictions")]
    private partial void LogEvaluated(string site, ulong round, double rmse, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Site {Site} was left out of round {Round}: {Reason}")]
    private partial void LogMissed(string site, ulong round, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Site {Site}: run ended (completed {Completed}, {Rounds} rounds): {Reason}")]
    private partial void LogEnded(string site, bool completed, ulong rounds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Site {Site}: reconnecting to the coordinator ({Reason})")]
    private partial void LogReconnect(string site, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Site {Site}: {Event} task dropped, it is no longer current ({Reason})")]
    private partial void LogStaleTask(string site, string @event, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Site {Site}: ignoring unknown task event {Event}")]
    private partial void LogUnknownEvent(string site, string @event);
}
