using System.Diagnostics;
using System.Security.Cryptography;
using Federated.Core.Federation;
using Federated.Federation.Client;
using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federated.Federation.Encryption;

/// <summary>Time and bytes a participant spent on encryption in one round.</summary>
/// <param name="Round">The round.</param>
/// <param name="EncryptMilliseconds">Encoding and encrypting the update.</param>
/// <param name="CiphertextBytes">Bytes of the encrypted update.</param>
/// <param name="ShareMilliseconds">Computing decryption shares (update and evaluation aggregates).</param>
public sealed record EncryptionTiming(ulong Round, double EncryptMilliseconds, long CiphertextBytes, double ShareMilliseconds);

/// <summary>
/// The participant's side of encrypted rounds over gRPC: answers key-ceremony and decryption tasks, encrypts updates
/// and evaluation sums. Keys live in a <see cref="ParticipantKeyring"/>; this class only moves bytes.
/// </summary>
public sealed class ParticipantEncryption : IDisposable
{
    private readonly FederationClient _client;
    private readonly Dictionary<ulong, EncryptionTiming> _timings = [];
    private (DecryptTask Task, byte[] Aggregate)? _prepared;

    public ParticipantEncryption(FederationClient client, string runId, int localMinContributors = 2)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        Keyring = new ParticipantKeyring(runId, localMinContributors);
    }

    /// <summary>The key material (tests inspect its refusals directly).</summary>
    public ParticipantKeyring Keyring { get; }

    /// <summary>Per-round encryption overhead measured on this site.</summary>
    public IReadOnlyList<EncryptionTiming> Timings => _timings.Values.OrderBy(t => t.Round).ToArray();

    /// <summary>Refusals this participant answered, with their reasons.</summary>
    public List<string> Refusals { get; } = [];

    /// <summary>Tasks this participant dropped: stale (the coordinator moved on) or failing its checks.</summary>
    public List<string> Dropped { get; } = [];

    /// <summary>
    /// Takes one key-ceremony step. A step the coordinator no longer expects, or material that fails this party's
    /// checks, is dropped (the coordinator's ceremony then fails and restarts with a new epoch); the run goes on.
    /// </summary>
    public async Task HandleCeremonyAsync(KeyCeremonyTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await CeremonyStepAsync(task, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.PermissionDenied)
        {
            Dropped.Add($"key ceremony {task.Epoch} {task.Phase}: {ex.Status.Detail}");
        }
        catch (InvalidDataException ex)
        {
            // Includes a peer's garbage exchange key or sealed share (ShareSealer wraps CryptographicException).
            Dropped.Add($"key ceremony {task.Epoch} {task.Phase}: {ex.Message}");
        }
    }

    private async Task CeremonyStepAsync(KeyCeremonyTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var rpc = _client.Raw;
        var request = new SubmitKeyMaterialRequest { SessionToken = _client.Session.SessionToken, Epoch = task.Epoch };
        switch (task.Phase)
        {
            case KeyCeremonyPhase.Commit:
                request.Commitment = Keyring.Commit(task);
                await rpc.SubmitKeyMaterialAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case KeyCeremonyPhase.Reveal:
                byte[] contribution = Keyring.Reveal(task);
                request.Contribution = ByteString.CopyFrom(contribution);
                CryptographicOperations.ZeroMemory(contribution);
                await rpc.SubmitKeyMaterialAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case KeyCeremonyPhase.Keygen:
                var (pkShare, sealedShares) = await Task.Run(() => Keyring.GenerateKeys(task), cancellationToken).ConfigureAwait(false);
                // Sealed shares first: the public-key share tells the coordinator this party is done.
                foreach (var sealedShare in sealedShares)
                {
                    var one = new SubmitKeyMaterialRequest { SessionToken = request.SessionToken, Epoch = task.Epoch, SealedShare = sealedShare };
                    await rpc.SubmitKeyMaterialAsync(one, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                request.PublicKeyShare = new PublicKeyShareUpload { Share = UnsafeByteOperations.UnsafeWrap(pkShare) };
                await rpc.SubmitKeyMaterialAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case KeyCeremonyPhase.Finish:
                byte[]? publicKey = null;
                var received = new List<SealedShare>();
                var publicKeyShares = new List<byte[]>();
                using (var call = rpc.DownloadKeyMaterial(new DownloadKeyMaterialRequest { SessionToken = request.SessionToken, Epoch = task.Epoch }, cancellationToken: cancellationToken))
                {
                    await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (part.PartCase == KeyMaterialPart.PartOneofCase.PublicKey && publicKey is null)
                        {
                            publicKey = part.PublicKey.ToByteArray();
                        }
                        else if (part.PartCase == KeyMaterialPart.PartOneofCase.SealedShare)
                        {
                            received.Add(part.SealedShare);
                        }
                        else if (part.PartCase == KeyMaterialPart.PartOneofCase.PublicKeyShare)
                        {
                            publicKeyShares.Add(part.PublicKeyShare.ToByteArray());
                        }
                        else
                        {
                            throw new InvalidDataException($"Key material download: unexpected {part.PartCase}.");
                        }
                    }
                }
                byte[] digest = await Task.Run(() => Keyring.Finish(task, publicKey ?? throw new InvalidDataException("Key material download carried no public key."), publicKeyShares, received), cancellationToken).ConfigureAwait(false);
                request.Ready = new KeyReady { PublicKeySha256 = ByteString.CopyFrom(digest) };
                await rpc.SubmitKeyMaterialAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidDataException($"Unknown key ceremony phase {task.Phase}.");
        }
    }

    /// <summary>Encodes and encrypts an update; returns the payload to upload.</summary>
    public byte[] EncryptUpdate(TrainTask task, LocalUpdate update, double qfflH = 0)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(update);
        var clock = Stopwatch.StartNew();
        ulong ctRound = EncryptionPlan.CiphertextRound(task.Round, task.Attempt, evaluation: false);
        byte[] payload = Keyring.EncryptUpdate(task.Encryption, ctRound, update.Delta, update.SampleCount, update.TrainLoss, qfflH);
        Record(task.Round, t => t with { EncryptMilliseconds = t.EncryptMilliseconds + clock.Elapsed.TotalMilliseconds, CiphertextBytes = payload.Length });
        return payload;
    }

    /// <summary>Encrypts the evaluation sums (as an additive statistics vector) and reports them.</summary>
    /// <param name="cohortStatistics">Per-cohort fairness statistics appended after the four sums (empty when the task asks for none).</param>
    public async Task ReportEvaluationAsync(EvaluateTask task, Core.Federation.EvaluationSums sums, CancellationToken cancellationToken, ReadOnlyMemory<double> cohortStatistics = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ulong ctRound = EncryptionPlan.CiphertextRound(task.Round, task.Attempt, evaluation: true);
        byte[] payload = Keyring.EncryptStatistics(task.Encryption, ctRound, AdditiveStatistics.FromEvaluation(sums, cohortStatistics.Span));
        await _client.Raw.ReportEvaluationAsync(new ReportEvaluationRequest
        {
            SessionToken = _client.Session.SessionToken,
            Round = task.Round,
            ModelVersion = task.GlobalModel.ModelVersion,
            EncodedSums = new EncodedPayload { Encoding = UpdateEncodings.RlweV1, Data = UnsafeByteOperations.UnsafeWrap(payload) },
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Step PREPARE: download and check the aggregate, answer ready or refused. Step SHARE: upload the share. A task
    /// for a decryption the coordinator already abandoned is dropped.
    /// </summary>
    public async Task HandleDecryptAsync(DecryptTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await DecryptStepAsync(task, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.PermissionDenied)
        {
            Dropped.Add($"decrypt round {task.Round} attempt {task.Attempt} {task.Purpose} {task.Step}: {ex.Status.Detail}");
        }
        catch (InvalidDataException ex)
        {
            // Malformed aggregate or request (e.g. a forged value count): refuse this step, keep running.
            Dropped.Add($"decrypt round {task.Round} attempt {task.Attempt} {task.Purpose} {task.Step}: {ex.Message}");
        }
    }

    private async Task DecryptStepAsync(DecryptTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var rpc = _client.Raw;
        string token = _client.Session.SessionToken;
        if (task.Step == DecryptStep.Prepare)
        {
            byte[] aggregate = await DownloadAggregateAsync(task, cancellationToken).ConfigureAwait(false);
            string? refusal = Keyring.CheckDecryption(task, aggregate);
            if (refusal is not null)
            {
                Refusals.Add(refusal);
            }
            _prepared = refusal is null ? (task, aggregate) : null;
            await rpc.ConfirmDecryptionAsync(new ConfirmDecryptionRequest
            {
                SessionToken = token,
                Round = task.Round,
                Attempt = task.Attempt,
                Purpose = task.Purpose,
                AggregateSha256 = ByteString.CopyFrom(SHA256.HashData(aggregate)),
                Refusal = refusal ?? "",
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }
        if (task.Step != DecryptStep.Share)
        {
            throw new InvalidDataException($"Unknown decrypt step {task.Step}.");
        }
        byte[] agg = _prepared is { } p && p.Task.Round == task.Round && p.Task.Attempt == task.Attempt && p.Task.Purpose == task.Purpose
            && p.Task.AggregateSha256.Equals(task.AggregateSha256)
            ? p.Aggregate
            : await DownloadAggregateAsync(task, cancellationToken).ConfigureAwait(false);
        _prepared = null;
        var clock = Stopwatch.StartNew();
        byte[] share;
        try
        {
            share = await Task.Run(() => Keyring.CreateShare(task, agg), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            Refusals.Add(ex.Message);
            return;
        }
        Record(task.Round, t => t with { ShareMilliseconds = t.ShareMilliseconds + clock.Elapsed.TotalMilliseconds });
        int chunkBytes = (int)Math.Max(1024, _client.Session.ChunkBytes);
        using var call = rpc.UploadDecryptionShare(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new DecryptionSharePart
        {
            Header = new DecryptionShareHeader { SessionToken = token, Round = task.Round, Attempt = task.Attempt, Purpose = task.Purpose, TotalBytes = (ulong)share.Length },
        }, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in PayloadChunks.Split(share, chunkBytes))
        {
            await call.RequestStream.WriteAsync(new DecryptionSharePart { Chunk = chunk }, cancellationToken).ConfigureAwait(false);
        }
        await call.RequestStream.WriteAsync(new DecryptionSharePart { Trailer = PayloadChunks.Digest(share) }, cancellationToken).ConfigureAwait(false);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await call.ResponseAsync.ConfigureAwait(false);
    }

    private async Task<byte[]> DownloadAggregateAsync(DecryptTask task, CancellationToken cancellationToken)
    {
        using var call = _client.Raw.DownloadAggregate(new DownloadAggregateRequest
        {
            SessionToken = _client.Session.SessionToken,
            Round = task.Round,
            Attempt = task.Attempt,
            Purpose = task.Purpose,
        }, cancellationToken: cancellationToken);
        ChunkAssembler? assembler = null;
        try
        {
            await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (part.PartCase)
                {
                    case AggregateDownloadPart.PartOneofCase.Header when assembler is null:
                        if (part.Header.TotalBytes != task.AggregateBytes)
                        {
                            throw new InvalidDataException($"Aggregate download: {part.Header.TotalBytes} bytes announced, the task said {task.AggregateBytes}.");
                        }
                        assembler = new ChunkAssembler(part.Header.TotalBytes, int.MaxValue, (long)task.AggregateBytes, "aggregate");
                        break;
                    case AggregateDownloadPart.PartOneofCase.Chunk when assembler is not null:
                        assembler.Add(part.Chunk);
                        break;
                    case AggregateDownloadPart.PartOneofCase.Trailer when assembler is not null:
                        var payload = assembler.Complete(part.Trailer);
                        if (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                        {
                            throw new InvalidDataException("Aggregate download: a message followed the trailer.");
                        }
                        return payload;
                    default:
                        throw new InvalidDataException($"Aggregate download: unexpected {part.PartCase} message.");
                }
            }
        }
        finally
        {
            assembler?.Dispose();
        }
        throw new InvalidDataException("Aggregate download ended before its trailer.");
    }

    private void Record(ulong round, Func<EncryptionTiming, EncryptionTiming> update)
    {
        var current = _timings.TryGetValue(round, out var t) ? t : new EncryptionTiming(round, 0, 0, 0);
        _timings[round] = update(current);
    }

    public void Dispose() => Keyring.Dispose();
}
