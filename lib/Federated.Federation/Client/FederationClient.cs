using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Federated.Core.Federation;
using Federated.Federation.Resilience;
using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Rpc = Federated.Federation.V1.Federation;

namespace Federated.Federation.Client;

/// <summary>A global model payload fetched with DownloadGlobalModel.</summary>
/// <param name="Model">What was downloaded.</param>
/// <param name="Payload">The verified bytes.</param>
/// <param name="Elapsed">Time the download took.</param>
public sealed record DownloadedModel(ModelRef Model, byte[] Payload, TimeSpan Elapsed);

/// <summary>The outcome of one UploadUpdate call.</summary>
/// <param name="Response">The coordinator's answer.</param>
/// <param name="PayloadBytes">Bytes of payload sent.</param>
/// <param name="Elapsed">Time from the first message to the answer.</param>
public sealed record UploadResult(UploadUpdateResponse Response, long PayloadBytes, TimeSpan Elapsed);

/// <summary>
/// The participant's side of the federation protocol: one method per RPC, with chunking, digests and the session
/// token handled here. Without <see cref="ParticipantResilience"/> every call is made once; with it, unary calls go
/// through its pipeline (<see cref="ResilienceInterceptor"/>), downloads are retried, and an upload that breaks off
/// resumes from the chunks the coordinator kept (GetUploadStatus, UpdateHeader.resume_from_chunk).
/// </summary>
public sealed class FederationClient
{
    private readonly Rpc.FederationClient _rpc;
    private readonly Rpc.FederationClient _direct;
    private JoinResponse? _session;
    private long _resumedChunks;

    public FederationClient(CallInvoker callInvoker, ParticipantResilience? resilience = null)
    {
        ArgumentNullException.ThrowIfNull(callInvoker);
        Resilience = resilience;
        _direct = new Rpc.FederationClient(callInvoker);
        _rpc = resilience is null ? _direct : new Rpc.FederationClient(callInvoker.Intercept(new ResilienceInterceptor(resilience.Unary)));
    }

    /// <summary>The resilience pipelines in use; null when every call is made once.</summary>
    public ParticipantResilience? Resilience { get; }

    /// <summary>Chunks that resumed uploads did not have to send again.</summary>
    public long ResumedChunks => Interlocked.Read(ref _resumedChunks);

    /// <summary>The generated client, for callers that need raw access (tests, tools).</summary>
    public Rpc.FederationClient Raw => _rpc;

    /// <summary>The answer to the last successful Join.</summary>
    public JoinResponse Session => _session ?? throw new InvalidOperationException("Join has not succeeded yet.");

    /// <summary>Joins as <paramref name="siteId"/> with the trainer's <paramref name="layout"/>.</summary>
    public async Task<JoinResponse> JoinAsync(string siteId, SharedLayout layout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(siteId);
        ArgumentNullException.ThrowIfNull(layout);
        var request = new JoinRequest
        {
            ProtocolVersion = ProtocolInfo.Current,
            SiteId = siteId,
            ModelLayout = layout.ToWire(),
            Capabilities = new Capabilities { Software = "Federated.Federation/" + typeof(FederationClient).Assembly.GetName().Version },
        };
        request.Capabilities.UpdateEncodings.Add(UpdateEncodings.Supported);
        _session = await _rpc.JoinAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return _session;
    }

    /// <summary>The task stream; ends after <see cref="RunEnded"/> or when the coordinator closes it.</summary>
    public async IAsyncEnumerable<TaskEvent> WatchTasksAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = _rpc.WatchTasks(new WatchTasksRequest { SessionToken = Session.SessionToken }, cancellationToken: cancellationToken);
        await foreach (var evt in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return evt;
        }
    }

    /// <summary>Downloads and verifies global model <paramref name="modelVersion"/>.</summary>
    public Task<DownloadedModel> DownloadModelAsync(ulong modelVersion, long maxBytes, CancellationToken cancellationToken) =>
        Resilience is null
            ? DownloadModelOnceAsync(modelVersion, maxBytes, cancellationToken)
            : ParticipantResilience.ExecuteAsync(Resilience.Transfer, token => DownloadModelOnceAsync(modelVersion, maxBytes, token), cancellationToken);

    private async Task<DownloadedModel> DownloadModelOnceAsync(ulong modelVersion, long maxBytes, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        using var call = _rpc.DownloadGlobalModel(
            new DownloadGlobalModelRequest { SessionToken = Session.SessionToken, ModelVersion = modelVersion },
            cancellationToken: cancellationToken);
        ModelRef? model = null;
        ChunkAssembler? assembler = null;
        await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (part.PartCase)
            {
                case ModelDownloadPart.PartOneofCase.Header when model is null:
                    model = part.Header.Model;
                    assembler?.Dispose();
                    assembler = new ChunkAssembler(model.TotalBytes, int.MaxValue, maxBytes, "global model");
                    break;
                case ModelDownloadPart.PartOneofCase.Chunk when assembler is not null:
                    assembler.Add(part.Chunk);
                    break;
                case ModelDownloadPart.PartOneofCase.Trailer when assembler is not null && model is not null:
                    var payload = assembler.Complete(part.Trailer);
                    assembler.Dispose();
                    // Read the end of the stream so the call completes with its status instead of being cancelled.
                    if (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        throw new InvalidDataException("Global model download: a message followed the trailer.");
                    }
                    return new DownloadedModel(model, payload, stopwatch.Elapsed);
                default:
                    throw new InvalidDataException($"Global model download: unexpected {part.PartCase} message.");
            }
        }
        throw new InvalidDataException("Global model download ended before its trailer.");
    }

    /// <summary>
    /// Uploads one update: header, chunks of <paramref name="chunkBytes"/>, sha256 trailer.
    /// </summary>
    public async Task<UploadResult> UploadUpdateAsync(UpdateHeader header, ReadOnlyMemory<byte> payload, int chunkBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        header.SessionToken = Session.SessionToken;
        header.TotalBytes = (ulong)payload.Length;
        var stopwatch = Stopwatch.StartNew();
        var digest = new PayloadDigest { Algorithm = PayloadChunks.Sha256Algorithm, Value = ByteString.CopyFrom(SHA256.HashData(payload.Span)) };
        if (Resilience is null)
        {
            return new UploadResult(await UploadFromAsync(header, payload, chunkBytes, 0, digest, cancellationToken).ConfigureAwait(false), payload.Length, stopwatch.Elapsed);
        }
        int attempts = 0;
        var response = await ParticipantResilience.ExecuteAsync(Resilience.Transfer, async token =>
        {
            uint from = 0;
            if (attempts++ > 0)
            {
                // A retry: ask what arrived. Accepted already (the answer was lost) or resume after the kept chunks.
                var status = await _direct.GetUploadStatusAsync(new GetUploadStatusRequest { SessionToken = header.SessionToken, Round = header.Round, IdempotencyKey = header.IdempotencyKey },
                    cancellationToken: token).ConfigureAwait(false);
                if (status.Accepted)
                {
                    return new UploadUpdateResponse { Accepted = true, Duplicate = true, BytesReceived = (ulong)payload.Length };
                }
                from = status.ReceivedChunks;
                Interlocked.Add(ref _resumedChunks, from);
            }
            return await UploadFromAsync(header, payload, chunkBytes, from, digest, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new UploadResult(response, payload.Length, stopwatch.Elapsed);
    }

    /// <summary>One UploadUpdate call: the header (resume_from_chunk = <paramref name="fromChunk"/>), chunks from there, the digest of the whole payload.</summary>
    private async Task<UploadUpdateResponse> UploadFromAsync(UpdateHeader header, ReadOnlyMemory<byte> payload, int chunkBytes, uint fromChunk, PayloadDigest digest, CancellationToken cancellationToken)
    {
        var sent = header.Clone();
        sent.ResumeFromChunk = fromChunk;
        using var call = _direct.UploadUpdate(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new UploadUpdatePart { Header = sent }, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in PayloadChunks.Split(payload, chunkBytes).Skip((int)fromChunk))
        {
            await call.RequestStream.WriteAsync(new UploadUpdatePart { Chunk = chunk }, cancellationToken).ConfigureAwait(false);
        }
        await call.RequestStream.WriteAsync(new UploadUpdatePart { Trailer = digest }, cancellationToken).ConfigureAwait(false);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Reports plain evaluation sums of model <paramref name="modelVersion"/> for <paramref name="round"/>.</summary>
    /// <param name="cohortStatistics">Per-cohort fairness statistics (EvaluationSums.cohort_statistics); empty when none were asked for.</param>
    public async Task<ReportEvaluationResponse> ReportEvaluationAsync(ulong round, ulong modelVersion, Core.Federation.EvaluationSums sums, CancellationToken cancellationToken, IEnumerable<double>? cohortStatistics = null)
    {
        ArgumentNullException.ThrowIfNull(sums);
        var wire = sums.ToWire();
        if (cohortStatistics is not null)
        {
            wire.CohortStatistics.Add(cohortStatistics);
        }
        return await _rpc.ReportEvaluationAsync(new ReportEvaluationRequest
        {
            SessionToken = Session.SessionToken,
            Round = round,
            ModelVersion = modelVersion,
            Sums = wire,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
