using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Federated.Coordinator.Encryption;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;
using Federated.Federation;
using Federated.Federation.Encryption;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RoundPhase = Federated.Coordinator.Rounds.RoundPhase;

namespace Federated.Coordinator.Federation;

/// <summary>
/// Encrypted rounds: the key ceremony, encrypted uploads and evaluation reports added into aggregates as they
/// arrive, and the collective decryption of those aggregates. The coordinator holds no secret here: public-key
/// shares, seed commitments and reveals, sealed shares it cannot open, ciphertexts, and decryption shares of sums.
/// Never log or persist anything but sizes, counts and timings.
/// </summary>
internal sealed partial class FederationRun
{
    private KeyCeremony? _ceremony;
    private ActiveKey? _key;
    private uint _epochs;
    private EncryptionPlan? _plan;

    /// <summary>True when this run encrypts (Federation:Encryption = rlwe).</summary>
    public bool IsEncrypted => string.Equals(_options.Encryption, "rlwe", StringComparison.Ordinal);

    /// <summary>The run's encoding plan (encrypted runs).</summary>
    public EncryptionPlan Plan => _plan ??= CreatePlan();

    public HeParameters HeParameters => Plan.Parameters;

    /// <summary>The key in use, if any.</summary>
    public uint ActiveEpoch
    {
        get
        {
            lock (_gate)
            {
                return _key?.Epoch ?? 0;
            }
        }
    }

    private EncryptionPlan CreatePlan()
    {
        var o = _options.Rlwe;
        var parameters = RlweOptionsValidator.Resolve(o.ParameterSet) ?? throw new InvalidOperationException($"Federation:Rlwe:ParameterSet \"{o.ParameterSet}\" is unknown.");
        var plan = EncryptionPlan.Create(parameters, o.FractionalBits, o.Clip, o.SampleCap);
        long perRound = plan.UpdateChunks(Layout.Length) + plan.StatisticsChunks(AdditiveStatistics.EvaluationEntries + FairnessEntries);
        if (perRound > Budget(parameters))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Federation:Rlwe: a round of {Layout} needs {perRound} decryptions but a key allows {Budget(parameters)}; use Federation:Rlwe:ParameterSet=long-lived or fewer fractional bits / a smaller clip (fewer digits per value)."));
        }
        return plan;
    }

    private long Budget(HeParameters parameters) =>
        _options.Rlwe.MaxDecryptionsPerKey > 0 ? Math.Min(_options.Rlwe.MaxDecryptionsPerKey, parameters.MaxDecryptionsPerKey) : parameters.MaxDecryptionsPerKey;

    /// <summary>Bytes of an encrypted update of this run's layout.</summary>
    private long EncryptedUpdateBytes => Plan.UpdateCiphertextBytes(Layout.Length);

    // ------------------------------------------------------------------ key management (runner) --------------

    /// <summary>Why a key ceremony must run before training <paramref name="selected"/>, or null when the key serves.</summary>
    public string? KeyCeremonyNeeded(IReadOnlyList<string> selected)
    {
        ArgumentNullException.ThrowIfNull(selected);
        long perRound = Plan.UpdateChunks(Layout.Length) + Plan.StatisticsChunks(AdditiveStatistics.EvaluationEntries + FairnessEntries);
        lock (_gate)
        {
            if (_key is null)
            {
                return "no key yet";
            }
            var newcomers = selected.Where(s => !_key.IsHeldBy(s, _sites[s].Token)).ToArray();
            if (newcomers.Length > 0)
            {
                return "participant set changed (" + string.Join(", ", newcomers) + " without a share of the key)";
            }
            int holders = selected.Count(s => _key.IsHeldBy(s, _sites[s].Token));
            if (holders < _key.Threshold)
            {
                return string.Create(CultureInfo.InvariantCulture, $"only {holders} key parties connected, threshold {_key.Threshold}");
            }
            if (_key.Used + perRound > _key.Budget)
            {
                return string.Create(CultureInfo.InvariantCulture, $"decryption budget used up ({_key.Used} of {_key.Budget} used, {perRound} needed per round)");
            }
            return null;
        }
    }

    /// <summary>
    /// Runs a key ceremony with <paramref name="parties"/>: commit, reveal, key generation (public-key shares and
    /// sealed threshold shares), finish. Returns null on success, otherwise why it failed (the old key is dropped).
    /// </summary>
    public async Task<string?> RunKeyCeremonyAsync(IReadOnlyList<string> parties, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parties);
        var sorted = parties.Order(StringComparer.Ordinal).ToArray();
        if (sorted.Length < 2)
        {
            return "a key needs at least two parties";
        }
        var parameters = Plan.Parameters;
        if (sorted.Length > parameters.MaxParticipants)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{sorted.Length} parties exceed the parameter set's {parameters.MaxParticipants}");
        }
        int threshold = _options.Rlwe.Threshold > 0 ? Math.Min(_options.Rlwe.Threshold, sorted.Length) : RlweOptions.DefaultThreshold(sorted.Length);
        int minContributors = Math.Max(2, _options.MinUpdatesPerRound);
        KeyCeremony c;
        lock (_gate)
        {
            var tokens = sorted.Select(s => _sites[s].Token ?? "").ToArray();
            c = new KeyCeremony(++_epochs, parameters, sorted, tokens, threshold, minContributors, Budget(parameters), _time.GetUtcNow() + _options.Rlwe.CeremonyDeadline);
            _ceremony = c;
            _key = null;
            PersistKeyEpoch(c.Epoch);
            SendCeremony(c);
        }
        LogCeremonyStarted(c.Epoch, sorted.Length, threshold);
        foreach (var next in new[] { KeyCeremonyPhase.Reveal, KeyCeremonyPhase.Keygen, KeyCeremonyPhase.Finish, KeyCeremonyPhase.Unspecified })
        {
            if (await WaitCeremonyPhaseAsync(c, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_ceremony, c))
                    {
                        _ceremony = null;
                    }
                }
                return string.Create(CultureInfo.InvariantCulture, $"key ceremony {c.Epoch} failed in phase {c.Phase}: {failure}");
            }
            if (next == KeyCeremonyPhase.Finish)
            {
                // The collective key: b = Σ p_i over the jointly derived seed. Public material only.
                byte[] seed = CommonSeed.Derive(c.Contributions.Select(x => (ReadOnlyMemory<byte>)x!));
                var pk = CollectiveKeyGen.Aggregate(parameters, seed, c.PublicKeyShares.Select(x => x!));
                c.PublicKey = pk.ToBytes();
                c.PublicKeySha256 = SHA256.HashData(c.PublicKey);
            }
            lock (_gate)
            {
                if (next == KeyCeremonyPhase.Unspecified)
                {
                    _key = new ActiveKey(c, PublicKey.FromBytes(parameters, c.PublicKey!));
                    _ceremony = null;
                    break;
                }
                c.Phase = next;
                c.PhaseDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                SendCeremony(c);
            }
        }
        return null;
    }

    private void SendCeremony(KeyCeremony c)
    {
        for (int i = 0; i < c.PartyCount; i++)
        {
            var task = new KeyCeremonyTask
            {
                Epoch = c.Epoch,
                Phase = c.Phase,
                ParameterSetId = c.Parameters.Id,
                PartyIndex = (uint)(i + 1),
                Threshold = (uint)c.Threshold,
                MinContributors = (uint)c.MinContributors,
                MaxDecryptions = (ulong)c.Budget,
                DeadlineUnixMs = c.Deadline.ToUnixTimeMilliseconds(),
            };
            task.Parties.Add(c.Parties);
            if (c.Phase >= KeyCeremonyPhase.Reveal)
            {
                task.Commitments.Add(c.Commitments.Select(x => ByteString.CopyFrom(x!)));
            }
            if (c.Phase >= KeyCeremonyPhase.Keygen)
            {
                task.Contributions.Add(c.Contributions.Select(x => ByteString.CopyFrom(x!)));
                task.ExchangeKeys.Add(c.ExchangeKeys.Select(x => ByteString.CopyFrom(x!)));
            }
            Send(_sites[c.Parties[i]], new TaskEvent { KeyCeremony = task }, keepAsCurrent: false);
        }
    }

    /// <summary>Waits for every party to answer the current phase; null on success, else the reason.</summary>
    private async Task<string?> WaitCeremonyPhaseAsync(KeyCeremony c, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task done, changed;
            lock (_gate)
            {
                if (c.PhaseComplete())
                {
                    return null;
                }
                for (int i = 0; i < c.PartyCount; i++)
                {
                    var site = _sites[c.Parties[i]];
                    if (site.Watcher is null || !string.Equals(site.Token, c.Tokens[i], StringComparison.Ordinal))
                    {
                        return $"party {c.Parties[i]} disconnected";
                    }
                }
                done = c.PhaseDone.Task;
                changed = _watchersChanged.Task;
            }
            var left = c.Deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return "deadline passed";
            }
            try
            {
                await Task.WhenAny(done, changed).WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Loop once more to report the deadline.
            }
        }
    }

    // ------------------------------------------------------------------ key ceremony (participants) ----------

    public SubmitKeyMaterialResponse SubmitKeyMaterial(SubmitKeyMaterialRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var site = Authenticate(request.SessionToken);
            var c = _ceremony;
            if (c is null || c.Epoch != request.Epoch)
            {
                throw Fail(StatusCode.FailedPrecondition, $"epoch: no key ceremony {request.Epoch} in progress (current: {c?.Epoch.ToString(CultureInfo.InvariantCulture) ?? "none"})");
            }
            int index = c.IndexOf(site.Id);
            if (index == 0 || !string.Equals(c.Tokens[index - 1], site.Token, StringComparison.Ordinal))
            {
                throw Fail(StatusCode.PermissionDenied, $"site {site.Id} is not a party of key ceremony {c.Epoch}");
            }
            int i = index - 1;
            var expected = request.MaterialCase switch
            {
                SubmitKeyMaterialRequest.MaterialOneofCase.Commitment => KeyCeremonyPhase.Commit,
                SubmitKeyMaterialRequest.MaterialOneofCase.Contribution => KeyCeremonyPhase.Reveal,
                SubmitKeyMaterialRequest.MaterialOneofCase.SealedShare or SubmitKeyMaterialRequest.MaterialOneofCase.PublicKeyShare => KeyCeremonyPhase.Keygen,
                SubmitKeyMaterialRequest.MaterialOneofCase.Ready => KeyCeremonyPhase.Finish,
                _ => throw FailPlain(StatusCode.InvalidArgument, "material must be set"),
            };
            if (c.Phase != expected)
            {
                throw Fail(StatusCode.FailedPrecondition, $"{request.MaterialCase} belongs to phase {expected}; key ceremony {c.Epoch} is in phase {c.Phase}");
            }
            switch (request.MaterialCase)
            {
                case SubmitKeyMaterialRequest.MaterialOneofCase.Commitment:
                    var commitment = request.Commitment;
                    if (commitment.Commitment.Length != 32 || commitment.ExchangePublicKey.Length is < 32 or > 512)
                    {
                        throw Fail(StatusCode.InvalidArgument, $"commitment must be 32 bytes and exchange_public_key 32-512 bytes (got {commitment.Commitment.Length}, {commitment.ExchangePublicKey.Length})");
                    }
                    try
                    {
                        // One site's garbage key must not reach (and crash) the honest parties' share sealing.
                        ShareSealer.ValidatePublicKey(commitment.ExchangePublicKey.Span);
                    }
                    catch (InvalidDataException ex)
                    {
                        throw FailPlain(StatusCode.InvalidArgument, "commitment.exchange_public_key: " + ex.Message);
                    }
                    c.Commitments[i] ??= commitment.Commitment.ToByteArray();
                    c.ExchangeKeys[i] ??= commitment.ExchangePublicKey.ToByteArray();
                    break;
                case SubmitKeyMaterialRequest.MaterialOneofCase.Contribution:
                    if (!CommonSeed.Verify(c.Commitments[i], request.Contribution.Span))
                    {
                        throw Fail(StatusCode.InvalidArgument, $"contribution of site {site.Id} does not open its commitment");
                    }
                    c.Contributions[i] ??= request.Contribution.ToByteArray();
                    break;
                case SubmitKeyMaterialRequest.MaterialOneofCase.SealedShare:
                    var sealedShare = request.SealedShare;
                    if (!c.IsThreshold || sealedShare.FromParty != index || sealedShare.ToParty < 1 || sealedShare.ToParty > c.PartyCount || sealedShare.ToParty == index
                        || sealedShare.Ciphertext.Length > c.Parameters.PolyPackedBytes + 1024)
                    {
                        throw Fail(StatusCode.InvalidArgument, $"sealed_share from party {sealedShare.FromParty} to {sealedShare.ToParty} is not expected from party {index} of {c.PartyCount} (threshold {c.Threshold})");
                    }
                    var list = c.Sealed.TryGetValue((int)sealedShare.ToParty, out var l) ? l : c.Sealed[(int)sealedShare.ToParty] = [];
                    if (list.Any(s => s.FromParty == sealedShare.FromParty))
                    {
                        break;
                    }
                    list.Add(sealedShare);
                    c.SealedFrom[i]++;
                    break;
                case SubmitKeyMaterialRequest.MaterialOneofCase.PublicKeyShare:
                    if (c.IsThreshold && c.SealedFrom[i] != c.PartyCount - 1)
                    {
                        throw Fail(StatusCode.FailedPrecondition, $"public_key_share: party {index} sent {c.SealedFrom[i]} of {c.PartyCount - 1} sealed shares first");
                    }
                    PublicKeyShare share;
                    try
                    {
                        share = PublicKeyShare.FromBytes(c.Parameters, request.PublicKeyShare.Share.Span);
                    }
                    catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
                    {
                        throw FailPlain(StatusCode.InvalidArgument, "public_key_share: " + ex.Message);
                    }
                    if (share.PartyIndex != index || share.Epoch != c.Epoch)
                    {
                        throw Fail(StatusCode.InvalidArgument, $"public_key_share is for party {share.PartyIndex} epoch {share.Epoch}; expected party {index} epoch {c.Epoch}");
                    }
                    c.PublicKeyShares[i] ??= request.PublicKeyShare.Share.ToByteArray();
                    break;
                case SubmitKeyMaterialRequest.MaterialOneofCase.Ready:
                    if (!CryptographicOperations.FixedTimeEquals(request.Ready.PublicKeySha256.Span, c.PublicKeySha256))
                    {
                        throw FailPlain(StatusCode.FailedPrecondition, "ready.public_key_sha256 does not match the collective key");
                    }
                    c.Ready[i] = true;
                    break;
            }
            if (c.PhaseComplete())
            {
                c.PhaseDone.TrySetResult();
            }
            return new SubmitKeyMaterialResponse { Accepted = true };
        }
    }

    /// <summary>The collective key and the sealed shares addressed to the caller (phase FINISH).</summary>
    public IReadOnlyList<KeyMaterialPart> KeyMaterialFor(DownloadKeyMaterialRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var site = Authenticate(request.SessionToken);
            var c = _ceremony;
            if (c is null || c.Epoch != request.Epoch || c.Phase != KeyCeremonyPhase.Finish)
            {
                throw Fail(StatusCode.FailedPrecondition, $"epoch: key ceremony {request.Epoch} is not in phase FINISH");
            }
            int index = c.IndexOf(site.Id);
            if (index == 0)
            {
                throw Fail(StatusCode.PermissionDenied, $"site {site.Id} is not a party of key ceremony {c.Epoch}");
            }
            var parts = new List<KeyMaterialPart> { new() { PublicKey = ByteString.CopyFrom(c.PublicKey) } };
            // All N public-key shares, in party order: each party recomputes b = Σ p_i and checks its own p_i.
            parts.AddRange(c.PublicKeyShares.Select(s => new KeyMaterialPart { PublicKeyShare = ByteString.CopyFrom(s!) }));
            if (c.Sealed.TryGetValue(index, out var sealedShares))
            {
                parts.AddRange(sealedShares.Select(s => new KeyMaterialPart { SealedShare = s }));
            }
            return parts;
        }
    }

    // ------------------------------------------------------------------ encrypted rounds ---------------------

    /// <summary>Attaches the current key to a round attempt (call before StartTraining).</summary>
    public void AttachEncryption(RoundContext round, string? ceremonyReason, double ceremonySeconds)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (_gate)
        {
            var key = _key ?? throw new InvalidOperationException("No collective key.");
            round.Encrypted = new EncryptedRoundState(key, Plan, Plan.Parameters, round.Round, round.Attempt)
            {
                CeremonyReason = ceremonyReason,
                CeremonySeconds = ceremonySeconds,
            };
        }
    }

    /// <summary>The connected sites that hold a share of the current key.</summary>
    public IReadOnlyList<string> KeyHolders(IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        lock (_gate)
        {
            return _key is null ? [] : candidates.Where(s => _sites[s].Watcher is not null && _key.IsHeldBy(s, _sites[s].Token)).ToArray();
        }
    }

    private bool CompleteEncryptedUpload(UploadTicket ticket, byte[] payload)
    {
        var round = ticket.Round;
        var state = round.Encrypted!;
        lock (_gate)
        {
            if (round.AcceptedKeys.TryGetValue(ticket.Header.IdempotencyKey, out var owner) && owner == ticket.SiteId)
            {
                return false;
            }
            if (!ReferenceEquals(round, _current) || round.Machine.Phase != RoundPhase.Training)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round {round.Round} closed for uploads (deadline passed) before the update completed");
            }
        }
        bool added;
        try
        {
            added = state.Update.Add(ticket.SiteId, payload);
        }
        catch (InvalidOperationException) when (round.Machine.Phase != RoundPhase.Training)
        {
            throw Fail(StatusCode.FailedPrecondition, $"round {round.Round} closed for uploads (deadline passed) before the update completed");
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            throw FailPlain(StatusCode.InvalidArgument, "update payload (rlwe-v1): " + ex.Message);
        }
        if (!added)
        {
            throw Fail(StatusCode.FailedPrecondition, $"site {ticket.SiteId} already uploaded an update for round {round.Round} under another idempotency_key");
        }
        lock (_gate)
        {
            // The per-site record carries no data: weight and loss are inside the ciphertext.
            round.Updates[ticket.SiteId] = new Aggregation.ClientUpdate(ticket.SiteId, [], 0, double.NaN);
            round.AcceptedKeys[ticket.Header.IdempotencyKey] = ticket.SiteId;
            round.BytesUploaded += payload.Length;
            if (round.Selected.IsSubsetOf(round.Updates.Keys))
            {
                round.AllUpdates.TrySetResult();
            }
        }
        LogEncryptedUpdate(ticket.SiteId, round.Round, payload.Length);
        return true;
    }

    private bool ReportEncryptedEvaluation(ReportEvaluationRequest request)
    {
        if (!string.Equals(request.EncodedSums.Encoding, UpdateEncodings.RlweV1, StringComparison.Ordinal))
        {
            throw Fail(StatusCode.Unimplemented, $"encoded_sums with encoding \"{request.EncodedSums.Encoding}\" is not supported by this coordinator; send {UpdateEncodings.RlweV1}");
        }
        if (request.EncodedSums.Data.Length > _options.MaxChunkBytes)
        {
            throw Fail(StatusCode.ResourceExhausted, $"encoded_sums has {request.EncodedSums.Data.Length} bytes; the limit is {_options.MaxChunkBytes}");
        }
        RoundContext round;
        string siteId;
        lock (_gate)
        {
            var site = Authenticate(request.SessionToken);
            siteId = site.Id;
            var current = _current;
            if (current is null || request.Round != current.Round)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round: expected {current?.Round.ToString(CultureInfo.InvariantCulture) ?? "none (no round in progress)"}, got {request.Round}");
            }
            if (current.Evaluations.ContainsKey(site.Id))
            {
                return false;
            }
            if (current.Machine.Phase != RoundPhase.Evaluating || current.Encrypted is null)
            {
                throw Fail(StatusCode.FailedPrecondition, $"round {current.Round} is not collecting evaluations: its phase is {current.Machine.Phase}");
            }
            if (request.ModelVersion != current.EvaluationModelVersion)
            {
                throw Fail(StatusCode.FailedPrecondition, $"model_version: expected {current.EvaluationModelVersion}, got {request.ModelVersion}");
            }
            if (!current.EvaluationExpected.Contains(site.Id))
            {
                throw Fail(StatusCode.PermissionDenied, $"site {site.Id} was not asked to evaluate round {current.Round}");
            }
            round = current;
        }
        try
        {
            if (!round.Encrypted.Evaluation.Add(siteId, request.EncodedSums.Data.Span))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            throw FailPlain(StatusCode.InvalidArgument, "encoded_sums (rlwe-v1): " + ex.Message);
        }
        lock (_gate)
        {
            round.Evaluations[siteId] = Core.Federation.EvaluationSums.Empty;
            round.BytesUploaded += request.EncodedSums.Data.Length;
            if (round.EvaluationExpected.IsSubsetOf(round.Evaluations.Keys))
            {
                round.AllEvaluations.TrySetResult();
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ collective decryption ----------------

    /// <summary>
    /// Decrypts a closed aggregate of <paramref name="round"/>: asks its contributors to check it (PREPARE), takes the
    /// first T that are ready as the active set, asks them for shares (SHARE) and combines. Fails (returns the
    /// reason) when fewer than T are ready or an active party does not deliver; the parties never give a second
    /// share for this ciphertext, so the caller re-runs the round with fresh encryptions.
    /// </summary>
    public async Task<(DecodedVector? Sum, string? Failure)> DecryptAsync(RoundContext round, EncryptedAggregate aggregate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(aggregate);
        aggregate.Close();
        var key = aggregate.Key;
        var deadline = _time.GetUtcNow() + _options.Rlwe.DecryptionDeadline;
        lock (_gate)
        {
            if (aggregate.Bytes is null || aggregate.Contributors.Count < key.MinContributors)
            {
                return (null, string.Create(CultureInfo.InvariantCulture, $"{aggregate.Contributors.Count} {aggregate.Purpose} ciphertext(s) summed; participants decrypt only sums of at least {key.MinContributors}"));
            }
            if (!ReferenceEquals(_key, key))
            {
                return (null, "the key was replaced before decryption");
            }
            aggregate.Step = DecryptStep.Prepare;
            foreach (var id in aggregate.Contributors)
            {
                var site = _sites[id];
                if (site.Watcher is not null && key.IsHeldBy(id, site.Token))
                {
                    aggregate.Asked.Add(id);
                    Send(site, new TaskEvent { Decrypt = DecryptTaskFor(aggregate, DecryptStep.Prepare, deadline) }, keepAsCurrent: false);
                }
            }
        }
        var failure = await WaitDecryptionAsync(aggregate, key, deadline, a => a.Ready.Count >= key.Threshold, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return (null, failure);
        }
        lock (_gate)
        {
            var active = aggregate.Ready.Take(key.Threshold).ToArray();
            aggregate.ActiveSites = active;
            aggregate.ActiveSet = active.Select(key.IndexOf).Order().ToArray();
            aggregate.Step = DecryptStep.Share;
            key.Used += aggregate.ChunkCount;
            foreach (var id in active)
            {
                Send(_sites[id], new TaskEvent { Decrypt = DecryptTaskFor(aggregate, DecryptStep.Share, deadline) }, keepAsCurrent: false);
            }
        }
        failure = await WaitDecryptionAsync(aggregate, key, deadline, a => a.Shares.Count >= key.Threshold, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return (null, failure);
        }
        byte[][] shares;
        lock (_gate)
        {
            shares = aggregate.ActiveSites!.Select(s => aggregate.Shares[s]).ToArray();
        }
        try
        {
            return (CollectiveDecryption.Combine(key.PublicKey.Parameters, aggregate.Bytes, shares), null);
        }
        catch (ArgumentException ex)
        {
            return (null, "combining the decryption shares failed: " + ex.Message);
        }
    }

    private static DecryptTask DecryptTaskFor(EncryptedAggregate a, DecryptStep step, DateTimeOffset deadline)
    {
        var task = new DecryptTask
        {
            Round = a.Round,
            Attempt = a.Attempt,
            Purpose = a.Purpose,
            Step = step,
            KeyEpoch = a.Key.Epoch,
            CiphertextRound = a.CiphertextRound,
            AggregateBytes = (ulong)a.Bytes!.Length,
            AggregateSha256 = ByteString.CopyFrom(a.Sha256),
            DeadlineUnixMs = deadline.ToUnixTimeMilliseconds(),
        };
        task.Contributors.Add(a.Contributors);
        if (a.ActiveSet is not null)
        {
            task.ActiveSet.Add(a.ActiveSet.Select(i => (uint)i));
        }
        return task;
    }

    /// <summary>Waits until <paramref name="done"/> holds; fails early when too few parties can still answer.</summary>
    private async Task<string?> WaitDecryptionAsync(EncryptedAggregate a, ActiveKey key, DateTimeOffset deadline, Func<EncryptedAggregate, bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed, watchers;
            lock (_gate)
            {
                if (done(a))
                {
                    return null;
                }
                if (a.Step == DecryptStep.Prepare)
                {
                    int possible = a.Ready.Count + a.Asked.Count(s => !a.Ready.Contains(s) && !a.Refusals.ContainsKey(s) && _sites[s].Watcher is not null);
                    if (possible < key.Threshold)
                    {
                        return Describe(a, key, $"{a.Ready.Count} of the {key.Threshold} parties needed are ready to decrypt the {a.Purpose} aggregate");
                    }
                }
                else
                {
                    var lost = a.ActiveSites!.Where(s => !a.Shares.ContainsKey(s) && _sites[s].Watcher is null).ToArray();
                    if (lost.Length > 0)
                    {
                        return Describe(a, key, $"active decryption parties {string.Join(", ", lost)} disconnected before sending their shares");
                    }
                }
                changed = a.Changed.Task;
                watchers = _watchersChanged.Task;
            }
            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return Describe(a, key, $"decryption of the {a.Purpose} aggregate timed out in step {a.Step}");
            }
            try
            {
                await Task.WhenAny(changed, watchers).WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Report on the next pass.
            }
        }
    }

    private static string Describe(EncryptedAggregate a, ActiveKey key, string what) =>
        a.Refusals.Count == 0 ? what : what + "; refused by " + string.Join("; ", a.Refusals.Select(r => r.Key + ": " + r.Value));

    /// <summary>The aggregate a DecryptTask names, for DownloadAggregate.</summary>
    public byte[] AggregateFor(DownloadAggregateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var site = Authenticate(request.SessionToken);
            var a = FindAggregate(request.Round, request.Attempt, request.Purpose);
            if (!a.Asked.Contains(site.Id))
            {
                throw Fail(StatusCode.PermissionDenied, $"site {site.Id} was not asked to decrypt the {request.Purpose} aggregate of round {request.Round}");
            }
            return a.Bytes!;
        }
    }

    public ConfirmDecryptionResponse ConfirmDecryption(ConfirmDecryptionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var site = Authenticate(request.SessionToken);
            var a = FindAggregate(request.Round, request.Attempt, request.Purpose);
            if (!a.Asked.Contains(site.Id))
            {
                throw Fail(StatusCode.PermissionDenied, $"site {site.Id} was not asked to decrypt the {request.Purpose} aggregate of round {request.Round}");
            }
            if (a.Step != DecryptStep.Prepare)
            {
                return new ConfirmDecryptionResponse { Selected = a.ActiveSites?.Contains(site.Id, StringComparer.Ordinal) ?? false };
            }
            if (!string.IsNullOrEmpty(request.Refusal))
            {
                a.Refusals[site.Id] = request.Refusal.Length > 300 ? request.Refusal[..300] : request.Refusal;
                LogRefused(site.Id, request.Round, request.Purpose.ToString(), a.Refusals[site.Id]);
            }
            else if (!CryptographicOperations.FixedTimeEquals(request.AggregateSha256.Span, a.Sha256))
            {
                throw FailPlain(StatusCode.InvalidArgument, "aggregate_sha256 does not match the aggregate being decrypted");
            }
            else if (!a.Ready.Contains(site.Id, StringComparer.Ordinal))
            {
                a.Ready.Add(site.Id);
            }
            a.Pulse();
            return new ConfirmDecryptionResponse { Selected = false };
        }
    }

    /// <summary>Validates a share-upload header; returns the aggregate and the share size limit.</summary>
    public (EncryptedAggregate Aggregate, string SiteId) BeginShareUpload(DecryptionShareHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        lock (_gate)
        {
            var site = Authenticate(header.SessionToken);
            var a = FindAggregate(header.Round, header.Attempt, header.Purpose);
            if (a.Step != DecryptStep.Share || a.ActiveSites is null || !a.ActiveSites.Contains(site.Id, StringComparer.Ordinal))
            {
                throw Fail(StatusCode.PermissionDenied, $"site {site.Id} is not in the active set of the {header.Purpose} aggregate of round {header.Round}");
            }
            long limit = (long)a.ChunkCount * a.Key.PublicKey.Parameters.PolyPackedBytes + 4096;
            if (header.TotalBytes == 0 || header.TotalBytes > (ulong)limit)
            {
                throw Fail(StatusCode.ResourceExhausted, $"total_bytes {header.TotalBytes} is not a decryption share of this aggregate (at most {limit} bytes)");
            }
            return (a, site.Id);
        }
    }

    /// <summary>Records a verified decryption share (checked against the aggregate before it counts).</summary>
    public void CompleteShareUpload(EncryptedAggregate aggregate, string siteId, byte[] share)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(share);
        DecryptionShare parsed;
        try
        {
            parsed = DecryptionShare.FromBytes(aggregate.Key.PublicKey.Parameters, share);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
        {
            throw FailPlain(StatusCode.InvalidArgument, "decryption share: " + ex.Message);
        }
        lock (_gate)
        {
            int index = aggregate.Key.IndexOf(siteId);
            if (parsed.PartyIndex != index || parsed.Round != aggregate.CiphertextRound || parsed.Epoch != aggregate.Key.Epoch
                || !parsed.ActiveSet.SequenceEqual(aggregate.ActiveSet!))
            {
                throw Fail(StatusCode.InvalidArgument, $"decryption share of site {siteId} is for party {parsed.PartyIndex}, round {parsed.Round}, epoch {parsed.Epoch}; expected party {index}, round {aggregate.CiphertextRound}, epoch {aggregate.Key.Epoch}");
            }
            aggregate.Shares[siteId] = share;
            aggregate.Pulse();
        }
    }

    private EncryptedAggregate FindAggregate(ulong roundNumber, uint attempt, AggregatePurpose purpose)
    {
        var round = _current;
        var state = round?.Encrypted;
        if (round is null || state is null || round.Round != roundNumber || round.Attempt != attempt)
        {
            throw Fail(StatusCode.FailedPrecondition, $"round {roundNumber} attempt {attempt} is not being decrypted");
        }
        var a = purpose switch
        {
            AggregatePurpose.Update => state.Update,
            AggregatePurpose.Evaluation => state.Evaluation,
            _ => throw FailPlain(StatusCode.InvalidArgument, "purpose must be UPDATE or EVALUATION"),
        };
        if (a.Bytes is null || a.Step == DecryptStep.Unspecified)
        {
            throw Fail(StatusCode.FailedPrecondition, $"the {purpose} aggregate of round {roundNumber} is not being decrypted");
        }
        return a;
    }

    private static EncryptionRoundMetrics? EncryptionMetrics(RoundContext round)
    {
        var e = round.Encrypted;
        if (e is null)
        {
            return null;
        }
        return new EncryptionRoundMetrics(
            e.Key.Epoch, e.Plan.Parameters.Name, e.Key.Threshold, e.Key.Parties.Length, e.CeremonyReason is not null, e.CeremonyReason, e.CeremonySeconds,
            e.Update.BytesReceived, e.Update.AddMilliseconds + e.Evaluation.AddMilliseconds,
            e.UpdateDecryptMilliseconds, e.EvaluationDecryptMilliseconds, e.Key.Used, e.Key.Budget,
            e.Update.ActiveSites ?? [], double.IsFinite(e.MeanErrorBound) ? e.MeanErrorBound : null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Key ceremony {Epoch} started: {Parties} parties, threshold {Threshold}")]
    private partial void LogCeremonyStarted(uint epoch, int parties, int threshold);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Site {Site} round {Round}: encrypted update of {Bytes} bytes added to the aggregate")]
    private partial void LogEncryptedUpdate(string site, ulong round, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Site {Site} refused to decrypt the {Purpose} aggregate of round {Round}: {Reason}")]
    private partial void LogRefused(string site, ulong round, string purpose, string reason);
}
