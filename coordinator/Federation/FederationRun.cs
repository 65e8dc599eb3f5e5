using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Models;
using Federated.Coordinator.Options;
using Federated.Coordinator.Rounds;
using Federated.Core.Federation;
using Federated.Federation;
using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CoreSums = Federated.Core.Federation.EvaluationSums;
using RoundPhase = Federated.Coordinator.Rounds.RoundPhase;

namespace Federated.Coordinator.Federation;

/// <summary>
/// The coordinator's state of one run: who joined, which tasks are out, the current round and the global model
/// versions. The gRPC service validates and records participants' messages here; the runner drives the rounds.
/// All state changes happen under one lock; long work (decoding, aggregation, I/O) happens outside it.
/// </summary>
internal sealed partial class FederationRun
{
    private readonly Lock _gate = new();
    private readonly FederationOptions _options;
    private readonly ILogger<FederationRun> _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SiteState> _sites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SiteState> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, StoredModel> _models = [];
    private readonly List<RoundRecord> _records = [];
    private readonly TaskCompletionSource<RunEnded> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _watchersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RoundContext? _current;
    private ulong _modelVersion;
    private ulong _roundsCompleted;

    public FederationRun(IOptions<FederationOptions> options, IGlobalModelSource modelSource, ILogger<FederationRun> logger, TimeProvider? time = null, Persistence.RunStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(modelSource);
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        var stored = store?.Load();
        RunId = stored?.RunId ?? (string.IsNullOrWhiteSpace(_options.RunId) ? "run-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) : _options.RunId);
        Layout = modelSource.Layout;
        var initial = modelSource.CreateInitial(_options.Seed);
        Layout.EnsureCompatible(new SharedLayout(Layout.Name, Layout.Version, initial.Length), "initial model");
        _models[0] = Store(0, initial);
        AttachStore(store, stored);
    }

    public string RunId { get; }

    public SharedLayout Layout { get; }

    public FederationOptions Options => _options;

    /// <summary>Completes when the run has ended, with what participants were told.</summary>
    public Task<RunEnded> Ended => _ended.Task;

    /// <summary>Raised (under the run's lock) when a round attempt is recorded, completed or failed; handlers must be quick and must not throw.</summary>
    public event Action<RoundRecord>? RoundRecorded;

    /// <summary>The current global model.</summary>
    public StoredModel CurrentModel
    {
        get
        {
            lock (_gate)
            {
                return _models[_modelVersion];
            }
        }
    }

    /// <summary>Metrics of every finished round attempt so far.</summary>
    public IReadOnlyList<RoundRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return _records.ToArray();
            }
        }
    }

    // ------------------------------------------------------------------ participant-facing (gRPC service) ----

    public JoinResponse Join(JoinRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ProtocolVersion is null || request.ProtocolVersion.Major != ProtocolInfo.Major)
        {
            throw Fail(StatusCode.FailedPrecondition,
                $"protocol_version: the coordinator speaks {ProtocolInfo.Format(ProtocolInfo.Current)}, the participant sent {ProtocolInfo.Format(request.ProtocolVersion)}; major versions must match");
        }
        if (!SiteIds.IsValid(request.SiteId))
        {
            throw Fail(StatusCode.InvalidArgument, $"site_id \"{request.SiteId}\" is invalid: use 1-64 characters from [A-Za-z0-9._-]");
        }
        if (_options.AllowedSites.Count > 0 && !_options.AllowedSites.Contains(request.SiteId, StringComparer.Ordinal))
        {
            throw Fail(StatusCode.NotFound, $"site_id \"{request.SiteId}\" is not registered for run {RunId}");
        }
        if (request.ModelLayout is null || request.ModelLayout.ToCore() != Layout)
        {
            throw Fail(StatusCode.FailedPrecondition, $"model_layout: the coordinator expects {Layout}, the participant has {request.ModelLayout.Describe()}");
        }
        var encodings = request.Capabilities?.UpdateEncodings ?? [];
        if (!encodings.Contains(UpdateEncodings.Float32LittleEndian))
        {
            throw Fail(StatusCode.FailedPrecondition,
                $"capabilities.update_encodings: none of [{string.Join(", ", encodings)}] is accepted; the coordinator accepts {UpdateEncodings.Float32LittleEndian}");
        }

        if (IsEncrypted && !encodings.Contains(UpdateEncodings.RlweV1))
        {
            throw Fail(StatusCode.FailedPrecondition,
                $"capabilities.update_encodings: this run is encrypted and needs {UpdateEncodings.RlweV1}; the participant offers [{string.Join(", ", encodings)}]");
        }

        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        lock (_gate)
        {
            if (!_sites.TryGetValue(request.SiteId, out var site))
            {
                site = new SiteState(request.SiteId);
                _sites.Add(site.Id, site);
            }
            else if (site.Token is not null)
            {
                _sessions.Remove(site.Token);
                site.Watcher?.Writer.TryComplete();
                site.Watcher = null;
            }
            site.Token = token;
            site.MaxDownloadChunk = request.Capabilities?.MaxChunkBytes ?? 0;
            _sessions[token] = site;
            SignalWatchersChanged();
        }
        PersistJoin(request.SiteId);
        LogJoined(request.SiteId, ProtocolInfo.Format(request.ProtocolVersion));
        return new JoinResponse
        {
            SessionToken = token,
            RunId = RunId,
            ProtocolVersion = ProtocolInfo.Current,
            UpdateEncoding = IsEncrypted ? UpdateEncodings.RlweV1 : UpdateEncodings.Float32LittleEndian,
            ChunkBytes = (uint)_options.ChunkBytes,
            MaxChunkBytes = (uint)_options.MaxChunkBytes,
            MaxUpdateBytes = (ulong)_options.MaxUpdateBytes,
        };
    }

    /// <summary>Opens the task stream of a session; dispose the result when the call ends.</summary>
    public TaskSubscription Subscribe(string sessionToken)
    {
        var channel = Channel.CreateUnbounded<TaskEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            var site = Authenticate(sessionToken);
            site.Watcher?.Writer.TryComplete();
            site.Watcher = channel;
            if (_ended.Task.IsCompleted)
            {
                channel.Writer.TryWrite(new TaskEvent { Ended = _ended.Task.Result });
                channel.Writer.TryComplete();
            }
            else if (site.CurrentTask is not null)
            {
                channel.Writer.TryWrite(site.CurrentTask);
            }
            SignalWatchersChanged();
            return new TaskSubscription(this, site, channel);
        }
    }

    private void Unsubscribe(SiteState site, Channel<TaskEvent> channel)
    {
        lock (_gate)
        {
            if (ReferenceEquals(site.Watcher, channel))
            {
                site.Watcher = null;
                SignalWatchersChanged();
            }
        }
    }

    /// <summary>The model to stream for a download; counts its bytes towards the current round.</summary>
    public (StoredModel Model, int ChunkBytes) BeginDownload(string sessionToken, ulong modelVersion)
    {
        lock (_gate)
        {
            var site = Authenticate(sessionToken);
            if (!_models.TryGetValue(modelVersion, out var model))
            {
                throw Fail(StatusCode.NotFound, $"model_version {modelVersion} is not held; the current version is {_modelVersion}");
            }
            if (_current is not null)
            {
                _current.BytesDownloaded += model.Payload.Length;
            }
            int chunk = site.MaxDownloadChunk > 0 ? (int)Math.Min(site.MaxDownloadChunk, (uint)_options.ChunkBytes) : _options.ChunkBytes;
            return (model, chunk);
        }
    }

    /// <summary>Validates an upload header. Returns null when the idempotency key was already accepted.</summary>
    public UploadTicket? BeginUpload(UpdateHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        lock (_gate)
        {
            var site = Authenticate(header.SessionToken);
            var round = _current;
            if (round is null || header.Round != round.Round)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round: expected {round?.Round.ToString(CultureInfo.InvariantCulture) ?? "none (no round in progress)"}, got {header.Round}");
            }
            if (string.IsNullOrEmpty(header.IdempotencyKey) || header.IdempotencyKey.Length > 256)
            {
                throw Fail(StatusCode.InvalidArgument, $"idempotency_key must be 1-256 characters (got {header.IdempotencyKey.Length})");
            }
            if (round.AcceptedKeys.TryGetValue(header.IdempotencyKey, out var keyOwner) && keyOwner == site.Id)
            {
                return null;
            }
            if (round.Machine.Phase != RoundPhase.Training)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round {round.Round} is not accepting uploads: its phase is {round.Machine.Phase}");
            }
            if (!round.Selected.Contains(site.Id))
            {
                throw Fail(StatusCode.PermissionDenied, $"site {site.Id} was not selected for round {round.Round}");
            }
            if (round.Updates.ContainsKey(site.Id))
            {
                throw Fail(StatusCode.FailedPrecondition, $"site {site.Id} already uploaded an update for round {round.Round} under another idempotency_key");
            }
            string encoding = round.Encrypted is null ? UpdateEncodings.Float32LittleEndian : UpdateEncodings.RlweV1;
            if (!string.Equals(header.Encoding, encoding, StringComparison.Ordinal))
            {
                throw Fail(StatusCode.InvalidArgument, $"encoding: expected \"{encoding}\" (negotiated at Join), got \"{header.Encoding}\"");
            }
            if (round.Encrypted is not null && header.SampleCount != 0)
            {
                throw Fail(StatusCode.InvalidArgument, $"sample_count must be 0 in an encrypted run: the weight travels inside the ciphertext (got {header.SampleCount})");
            }
            if (round.Encrypted is null && (header.SampleCount == 0 || header.SampleCount > long.MaxValue))
            {
                throw Fail(StatusCode.InvalidArgument, $"sample_count must be positive (got {header.SampleCount})");
            }
            if (double.IsInfinity(header.TrainLoss))
            {
                throw Fail(StatusCode.InvalidArgument, $"train_loss must be a finite number, or NaN when unknown (got {header.TrainLoss})");
            }
            if (header.BaseModelVersion != round.BaseModelVersion)
            {
                throw Fail(StatusCode.FailedPrecondition, $"base_model_version: expected {round.BaseModelVersion}, got {header.BaseModelVersion}");
            }
            if (header.TotalBytes > (ulong)_options.MaxUpdateBytes)
            {
                throw Fail(StatusCode.ResourceExhausted, $"total_bytes {header.TotalBytes} exceeds the limit of {_options.MaxUpdateBytes} bytes");
            }
            ulong expected = round.Encrypted is null ? (ulong)Layout.Length * sizeof(float) : (ulong)EncryptedUpdateBytes;
            if (header.TotalBytes != expected)
            {
                throw Fail(StatusCode.InvalidArgument, $"total_bytes: expected {expected} ({Layout} as {encoding}), got {header.TotalBytes}");
            }
            return new UploadTicket(site.Id, round, header.Clone());
        }
    }

    /// <summary>A chunk assembler with the run's limits for <paramref name="ticket"/>.</summary>
    public ChunkAssembler CreateAssembler(UploadTicket ticket) =>
        new(ticket.Header.TotalBytes, _options.MaxChunkBytes, _options.MaxUpdateBytes, "update");

    /// <summary>Decodes and records a verified payload. Returns false when it was a duplicate.</summary>
    public bool CompleteUpload(UploadTicket ticket, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(payload);
        if (ticket.Round.Encrypted is not null)
        {
            return CompleteEncryptedUpload(ticket, payload);
        }
        if (!UpdateEncodings.TryDecodeFloat32(payload, Layout.Length, out var delta, out var error))
        {
            throw Fail(StatusCode.InvalidArgument, $"update payload: {error}");
        }
        var update = new ClientUpdate(ticket.SiteId, delta, (long)ticket.Header.SampleCount, ticket.Header.TrainLoss) { QfflH = ticket.Header.QfflH };
        lock (_gate)
        {
            var round = ticket.Round;
            if (round.AcceptedKeys.TryGetValue(ticket.Header.IdempotencyKey, out var owner) && owner == ticket.SiteId)
            {
                return false;
            }
            if (!ReferenceEquals(round, _current) || round.Machine.Phase != RoundPhase.Training)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round {round.Round} closed for uploads (deadline passed) before the update completed");
            }
            if (round.Updates.ContainsKey(ticket.SiteId))
            {
                throw Fail(StatusCode.FailedPrecondition, $"site {ticket.SiteId} already uploaded an update for round {round.Round} under another idempotency_key");
            }
            round.Updates.Add(ticket.SiteId, update);
            round.AcceptedKeys.Add(ticket.Header.IdempotencyKey, ticket.SiteId);
            round.BytesUploaded += payload.Length;
            if (round.Selected.IsSubsetOf(round.Updates.Keys))
            {
                round.AllUpdates.TrySetResult();
            }
        }
        LogUpdateAccepted(ticket.SiteId, ticket.Round.Round, payload.Length, ticket.Header.SampleCount);
        return true;
    }

    /// <summary>Records evaluation sums. Returns false when the site had already reported for the round.</summary>
    public bool ReportEvaluation(ReportEvaluationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CoreSums sums;
        switch (request.MetricsCase)
        {
            case ReportEvaluationRequest.MetricsOneofCase.Sums when IsEncrypted:
                throw FailPlain(StatusCode.FailedPrecondition, $"sums: this run is encrypted; send encoded_sums ({UpdateEncodings.RlweV1})");
            case ReportEvaluationRequest.MetricsOneofCase.Sums:
                var s = request.Sums;
                if (s.Count < 0 || !double.IsFinite(s.SumSquaredError) || !double.IsFinite(s.SumAbsoluteError) || !double.IsFinite(s.SumError) || s.SumSquaredError < 0 || s.SumAbsoluteError < 0)
                {
                    throw FailPlain(StatusCode.InvalidArgument, "sums: count must be >= 0 and the sums finite, with sum_squared_error and sum_absolute_error >= 0");
                }
                sums = s.ToCore();
                CheckCohortStatistics(s.CohortStatistics);
                break;
            case ReportEvaluationRequest.MetricsOneofCase.EncodedSums when IsEncrypted:
                return ReportEncryptedEvaluation(request);
            case ReportEvaluationRequest.MetricsOneofCase.EncodedSums:
                throw Fail(StatusCode.Unimplemented, $"encoded_sums with encoding \"{request.EncodedSums.Encoding}\" is not supported by this coordinator; send sums");
            default:
                throw FailPlain(StatusCode.InvalidArgument, "sums must be set");
        }
        lock (_gate)
        {
            var site = Authenticate(request.SessionToken);
            var round = _current;
            if (round is null || request.Round != round.Round)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round: expected {round?.Round.ToString(CultureInfo.InvariantCulture) ?? "none (no round in progress)"}, got {request.Round}");
            }
            if (round.Evaluations.ContainsKey(site.Id))
            {
                return false;
            }
            if (round.Machine.Phase != RoundPhase.Evaluating)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round {round.Round} is not collecting evaluations: its phase is {round.Machine.Phase}");
            }
            if (request.ModelVersion != round.EvaluationModelVersion)
            {
                throw Fail(StatusCode.FailedPrecondition, $"model_version: expected {round.EvaluationModelVersion}, got {request.ModelVersion}");
            }
            round.Evaluations.Add(site.Id, sums);
            AddCohortStatistics(round, request.Sums.CohortStatistics);
            if (round.EvaluationExpected.IsSubsetOf(round.Evaluations.Keys))
            {
                round.AllEvaluations.TrySetResult();
            }
            return true;
        }
    }

    public RoundStatus GetStatus(ulong roundNumber)
    {
        lock (_gate)
        {
            var status = new RoundStatus
            {
                RunId = RunId,
                TotalRounds = (ulong)_options.Rounds,
                ConnectedParticipants = (uint)_sites.Values.Count(s => s.Watcher is not null),
                ModelVersion = _modelVersion,
            };
            var current = _current;
            if (current is not null && (roundNumber == 0 || roundNumber == current.Round))
            {
                status.Round = current.Round;
                status.Attempt = current.Attempt;
                status.Phase = ToWire(current.Machine.Phase);
                status.SelectedSites.Add(current.Selected.Order(StringComparer.Ordinal));
                status.ReceivedSites.Add(current.Updates.Keys.Order(StringComparer.Ordinal));
                status.FailureReason = current.Machine.FailureReason ?? "";
                return status;
            }
            var record = _records.LastOrDefault(r => r.Round == roundNumber)
                ?? throw Fail(StatusCode.NotFound, $"round {roundNumber} has not started");
            status.Round = record.Round;
            status.Attempt = record.Attempt;
            status.Phase = ToWire(record.Phase);
            status.ReceivedSites.Add(record.Participants);
            status.FailureReason = record.FailureReason ?? "";
            return status;
        }
    }

    public FederationReport GetReport()
    {
        var records = Records;
        var report = new FederationReport { RunId = RunId, TotalRounds = (ulong)_options.Rounds, RoundsCompleted = RoundsCompleted };
        foreach (var r in records)
        {
            var metrics = new RoundMetrics
            {
                Round = r.Round,
                Attempt = r.Attempt,
                Phase = ToWire(r.Phase),
                TrainLoss = r.TrainLoss,
                ValidationRmse = r.ValidationRmse,
                ValidationMae = r.ValidationMae,
                ValidationSums = r.ValidationSums.ToWire(),
                BytesUploaded = (ulong)r.BytesUploaded,
                BytesDownloaded = (ulong)r.BytesDownloaded,
                WallSeconds = r.WallSeconds,
            };
            metrics.Participants.Add(r.Participants);
            metrics.Stragglers.Add(r.Stragglers);
            report.Rounds.Add(metrics);
        }
        return report;
    }

    public ulong RoundsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _roundsCompleted;
            }
        }
    }

    /// <summary>Checks a session token; call under the lock.</summary>
    private SiteState Authenticate(string token)
    {
        if (string.IsNullOrEmpty(token) || !_sessions.TryGetValue(token, out var site))
        {
            throw FailPlain(StatusCode.Unauthenticated, "session_token is unknown or was replaced by a later Join; call Join first");
        }
        return site;
    }

    // ------------------------------------------------------------------ runner-facing -------------------------

    /// <summary>Sites with an open task stream.</summary>
    public IReadOnlyList<string> ConnectedSites()
    {
        lock (_gate)
        {
            return _sites.Values.Where(s => s.Watcher is not null).Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> sites watch tasks; returns them, or null on timeout.</summary>
    public async Task<IReadOnlyList<string>?> WaitForParticipantsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var connected = _sites.Values.Where(s => s.Watcher is not null).Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();
                if (connected.Length >= count)
                {
                    return connected;
                }
                changed = _watchersChanged.Task;
            }
            try
            {
                await changed.WaitAsync(timeoutSource.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    public RoundContext BeginRound(ulong round, uint attempt)
    {
        lock (_gate)
        {
            _current = new RoundContext(round, attempt, _modelVersion, _time);
            return _current;
        }
    }

    /// <summary>WaitingForParticipants → Training: sends train tasks to <paramref name="selected"/>.</summary>
    public DateTimeOffset StartTraining(RoundContext round, IReadOnlyList<string> selected)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(selected);
        var deadline = _time.GetUtcNow() + _options.RoundDeadline;
        var qffl = QfflWireSpec;
        lock (_gate)
        {
            round.Machine.Fire(RoundTrigger.ParticipantsReady);
            var model = _models[round.BaseModelVersion];
            foreach (var id in selected)
            {
                round.Selected.Add(id);
                var task = new TrainTask
                {
                    Round = round.Round,
                    Attempt = round.Attempt,
                    GlobalModel = model.Ref,
                    DeadlineUnixMs = deadline.ToUnixTimeMilliseconds(),
                    Encryption = round.Encrypted?.Spec,
                    Qffl = qffl,
                    Plan = new Federated.Federation.V1.TrainingPlan
                    {
                        LocalSteps = (uint)_options.LocalSteps,
                        LearningRate = _options.LearningRate,
                        BatchSize = (uint)_options.BatchSize,
                        Seed = SiteIds.RoundSeed(_options.Seed, round.Round, round.Attempt, id),
                    },
                };
                Send(_sites[id], new TaskEvent { Train = task }, keepAsCurrent: true);
            }
        }
        PersistPhase(round, RoundPhase.Training, selected);
        LogRoundStarted(round.Round, round.Attempt, selected.Count, string.Join(", ", selected));
        return deadline;
    }

    /// <summary>Training → Aggregating: closes uploads, tells stragglers, returns the accepted updates.</summary>
    public IReadOnlyList<ClientUpdate> CloseTraining(RoundContext round)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (_gate)
        {
            round.Machine.Fire(RoundTrigger.UpdatesCollected);
            round.Encrypted?.Update.Close();
            foreach (var id in round.Selected.Order(StringComparer.Ordinal))
            {
                var site = _sites[id];
                site.CurrentTask = null;
                if (!round.Updates.ContainsKey(id))
                {
                    round.Stragglers.Add(id);
                    Send(site, new TaskEvent { Missed = new RoundMissed { Round = round.Round, Reason = "the round deadline passed before the update arrived" } }, keepAsCurrent: false);
                }
            }
            PersistPhase(round, RoundPhase.Aggregating);
            return round.Updates.Values.OrderBy(u => u.SiteId, StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Makes <paramref name="values"/> the next global model version.</summary>
    public StoredModel PublishModel(float[] values)
    {
        lock (_gate)
        {
            var stored = Store(_modelVersion + 1, values);
            _models[stored.Ref.ModelVersion] = stored;
            _modelVersion = stored.Ref.ModelVersion;
            // Keep the two latest versions: a participant may still be fetching the previous one.
            foreach (var old in _models.Keys.Where(v => v + 2 <= _modelVersion && v != 0).ToArray())
            {
                _models.Remove(old);
            }
            return stored;
        }
    }

    /// <summary>Aggregating → Evaluating: sends evaluate tasks for <paramref name="model"/> to all connected sites.</summary>
    public void StartEvaluation(RoundContext round, StoredModel model)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(model);
        var deadline = _time.GetUtcNow() + _options.EvaluationDeadline;
        var fairness = FairnessWireSpec;
        lock (_gate)
        {
            round.Machine.Fire(RoundTrigger.Aggregated);
            round.EvaluationModelVersion = model.Ref.ModelVersion;
            // Encrypted runs: only holders of the key can encrypt the sums.
            foreach (var site in _sites.Values.Where(s => s.Watcher is not null && (round.Encrypted is null || round.Encrypted.Key.IsHeldBy(s.Id, s.Token))))
            {
                round.EvaluationExpected.Add(site.Id);
                var evaluate = new EvaluateTask { Round = round.Round, Attempt = round.Attempt, GlobalModel = model.Ref, DeadlineUnixMs = deadline.ToUnixTimeMilliseconds(), Encryption = round.Encrypted?.Spec, Fairness = fairness };
                Send(site, new TaskEvent { Evaluate = evaluate }, keepAsCurrent: true);
            }
            if (round.EvaluationExpected.Count == 0)
            {
                round.AllEvaluations.TrySetResult();
            }
        }
        PersistPhase(round, RoundPhase.Evaluating);
    }

    /// <summary>Evaluating → Completed: records the round's metrics.</summary>
    public RoundRecord CompleteRound(RoundContext round)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (_gate)
        {
            round.Machine.Fire(RoundTrigger.EvaluationsCollected);
            foreach (var id in round.EvaluationExpected)
            {
                if (_sites.TryGetValue(id, out var site) && site.CurrentTask?.EventCase == TaskEvent.EventOneofCase.Evaluate)
                {
                    site.CurrentTask = null;
                }
            }
            _roundsCompleted++;
            return Record(round);
        }
    }

    /// <summary>Any phase → Failed: records the attempt; the global model is unchanged.</summary>
    public RoundRecord FailRound(RoundContext round, string reason)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (_gate)
        {
            if (!round.Machine.IsFinal)
            {
                round.Machine.Fail(reason);
            }
            foreach (var site in _sites.Values)
            {
                site.CurrentTask = null;
            }
            LogRoundFailed(round.Round, round.Attempt, reason);
            return Record(round);
        }
    }

    /// <summary>Tells every participant the run is over and closes their task streams.</summary>
    /// <param name="resumable">The run's state is kept and a restarted coordinator continues it: participants reconnect instead of leaving.</param>
    public void EndRun(bool completed, string reason, bool resumable = false)
    {
        lock (_gate)
        {
            if (_ended.Task.IsCompleted)
            {
                return;
            }
            var ended = new RunEnded { Completed = completed, RoundsCompleted = _roundsCompleted, FinalModel = _models[_modelVersion].Ref, Reason = reason, Resumable = resumable };
            foreach (var site in _sites.Values)
            {
                site.CurrentTask = null;
                if (site.Watcher is not null)
                {
                    site.Watcher.Writer.TryWrite(new TaskEvent { Ended = ended });
                    site.Watcher.Writer.TryComplete();
                }
            }
            _ended.TrySetResult(ended);
        }
        LogRunEnded(RunId, completed, reason);
    }

    private RoundRecord Record(RoundContext round)
    {
        var updates = round.Updates.Values.ToArray();
        var sums = round.Evaluations.Values.Aggregate(CoreSums.Empty, (a, b) => a + b);
        var record = new RoundRecord
        {
            Round = round.Round,
            Attempt = round.Attempt,
            Phase = round.Machine.Phase,
            Participants = round.Updates.Keys.Order(StringComparer.Ordinal).ToArray(),
            Stragglers = round.Stragglers.ToArray(),
            TrainLoss = round.Encrypted is { } enc ? enc.TrainLoss : updates.Length == 0 ? double.NaN : WeightedMean.TrainLoss(updates),
            // Encrypted runs know only the decrypted sum of all sites' statistics, never a site's own.
            ValidationSums = round.Encrypted is null ? sums : round.Encrypted.Validation ?? CoreSums.Empty,
            Encryption = EncryptionMetrics(round),
            SiteValidationRmse = round.Encrypted is not null ? new Dictionary<string, double>(StringComparer.Ordinal) : round.Evaluations.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value.Rmse, StringComparer.Ordinal),
            BytesUploaded = round.BytesUploaded,
            BytesDownloaded = round.BytesDownloaded,
            WallSeconds = round.Clock.Elapsed.TotalSeconds,
            ModelVersion = _modelVersion,
            FailureReason = round.Machine.FailureReason,
        };
        _records.Add(record);
        RecordFairness(round);
        RoundRecorded?.Invoke(record);
        return record;
    }

    private static void Send(SiteState site, TaskEvent evt, bool keepAsCurrent)
    {
        if (keepAsCurrent)
        {
            site.CurrentTask = evt;
        }
        site.Watcher?.Writer.TryWrite(evt);
    }

    private void SignalWatchersChanged()
    {
        var previous = _watchersChanged;
        _watchersChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private StoredModel Store(ulong version, float[] values)
    {
        var payload = UpdateEncodings.EncodeFloat32(values);
        var reference = new ModelRef
        {
            ModelVersion = version,
            Encoding = UpdateEncodings.Float32LittleEndian,
            TotalBytes = (ulong)payload.Length,
            Sha256 = ByteString.CopyFrom(SHA256.HashData(payload)),
            Layout = Layout.ToWire(),
        };
        return new StoredModel(reference, payload, values);
    }

    internal static Federated.Federation.V1.RoundPhase ToWire(Rounds.RoundPhase phase) => phase switch
    {
        Rounds.RoundPhase.WaitingForParticipants => Federated.Federation.V1.RoundPhase.WaitingForParticipants,
        Rounds.RoundPhase.Training => Federated.Federation.V1.RoundPhase.Training,
        Rounds.RoundPhase.Aggregating => Federated.Federation.V1.RoundPhase.Aggregating,
        Rounds.RoundPhase.Evaluating => Federated.Federation.V1.RoundPhase.Evaluating,
        Rounds.RoundPhase.Completed => Federated.Federation.V1.RoundPhase.Completed,
        Rounds.RoundPhase.Failed => Federated.Federation.V1.RoundPhase.Failed,
        _ => Federated.Federation.V1.RoundPhase.Unspecified,
    };

    private static RpcException Fail(StatusCode code, FormattableString message) =>
        new(new Status(code, message.ToString(CultureInfo.InvariantCulture)));

    private static RpcException FailPlain(StatusCode code, string message) => new(new Status(code, message));

    internal sealed class SiteState(string id)
    {
        public string Id { get; } = id;
        public string? Token { get; set; }
        public uint MaxDownloadChunk { get; set; }
        public Channel<TaskEvent>? Watcher { get; set; }
        public TaskEvent? CurrentTask { get; set; }
    }

    /// <summary>An open task stream; disposing it detaches the stream from its site.</summary>
    internal sealed class TaskSubscription : IDisposable
    {
        private readonly FederationRun _run;
        private readonly SiteState _site;
        private readonly Channel<TaskEvent> _channel;

        internal TaskSubscription(FederationRun run, SiteState site, Channel<TaskEvent> channel)
        {
            _run = run;
            _site = site;
            _channel = channel;
        }

        public string SiteId => _site.Id;

        public ChannelReader<TaskEvent> Reader => _channel.Reader;

        public void Dispose() => _run.Unsubscribe(_site, _channel);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Site {Site} joined (protocol {Version})")]
    private partial void LogJoined(string site, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {Round} attempt {Attempt}: training with {Count} participants ({Sites})")]
    private partial void LogRoundStarted(ulong round, uint attempt, int count, string sites);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Site {Site} round {Round}: update of {Bytes} bytes accepted ({Samples} samples)")]
    private partial void LogUpdateAccepted(string site, ulong round, int bytes, ulong samples);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {Round} attempt {Attempt} failed: {Reason}")]
    private partial void LogRoundFailed(ulong round, uint attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} ended (completed {Completed}): {Reason}")]
    private partial void LogRunEnded(string runId, bool completed, string reason);
}

/// <summary>A validated upload header, bound to the round it was validated against.</summary>
internal sealed record UploadTicket(string SiteId, RoundContext Round, UpdateHeader Header);
