using Federated.Coordinator.Federation;
using Federated.Coordinator.Persistence;
using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Grpc.Core;

namespace Federated.Coordinator.Services;

/// <summary>The federated.v1.Federation gRPC service: protocol framing here, state and rules in <see cref="FederationRun"/>.</summary>
internal sealed partial class FederationService(FederationRun run) : Federated.Federation.V1.Federation.FederationBase
{
    public override Task<JoinResponse> Join(JoinRequest request, ServerCallContext context) =>
        Task.FromResult(run.Join(request));

    public override async Task WatchTasks(WatchTasksRequest request, IServerStreamWriter<TaskEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        using var subscription = run.Subscribe(request.SessionToken);
        try
        {
            await foreach (var evt in subscription.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(evt, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The participant went away; the subscription is released below.
        }
    }

    public override async Task DownloadGlobalModel(DownloadGlobalModelRequest request, IServerStreamWriter<ModelDownloadPart> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var (model, chunkBytes) = run.BeginDownload(request.SessionToken, request.ModelVersion);
        var ct = context.CancellationToken;
        await responseStream.WriteAsync(new ModelDownloadPart
        {
            Header = new ModelHeader { Model = model.Ref, ChunkCount = (uint)PayloadChunks.Count(model.Payload.Length, chunkBytes) },
        }, ct).ConfigureAwait(false);
        foreach (var chunk in PayloadChunks.Split(model.Payload, chunkBytes))
        {
            await responseStream.WriteAsync(new ModelDownloadPart { Chunk = chunk }, ct).ConfigureAwait(false);
        }
        await responseStream.WriteAsync(new ModelDownloadPart
        {
            Trailer = new PayloadDigest { Algorithm = PayloadChunks.Sha256Algorithm, Value = model.Ref.Sha256 },
        }, ct).ConfigureAwait(false);
    }

    public override async Task<UploadUpdateResponse> UploadUpdate(IAsyncStreamReader<UploadUpdatePart> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "upload stream is empty: the first message must be a header"));
        }
        if (requestStream.Current.PartCase != UploadUpdatePart.PartOneofCase.Header)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"the first message must be a header, got {requestStream.Current.PartCase}"));
        }
        var ticket = run.BeginUpload(requestStream.Current.Header);
        if (ticket is null)
        {
            // Already accepted under this idempotency key: read the rest without storing it, answer as before.
            while (await requestStream.MoveNext(ct).ConfigureAwait(false))
            {
            }
            return new UploadUpdateResponse { Accepted = true, Duplicate = true };
        }
        await CrashPoints.ReachedAsync("upload", ticket.Header.Round, ct).ConfigureAwait(false);
        // A resumed upload continues the kept assembler; a stream that breaks off keeps it for the next resume.
        var upload = run.OpenUpload(ticket);
        var assembler = upload.Assembler;
        bool keep = false;
        try
        {
            byte[]? payload = null;
            while (await requestStream.MoveNext(ct).ConfigureAwait(false))
            {
                var part = requestStream.Current;
                if (payload is not null)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"nothing may follow the trailer, got {part.PartCase}"));
                }
                switch (part.PartCase)
                {
                    case UploadUpdatePart.PartOneofCase.Chunk:
                        assembler.Add(part.Chunk);
                        break;
                    case UploadUpdatePart.PartOneofCase.Trailer:
                        payload = assembler.Complete(part.Trailer);
                        break;
                    default:
                        throw new RpcException(new Status(StatusCode.InvalidArgument, $"expected chunk {assembler.ReceivedChunks} or the trailer, got {part.PartCase}"));
                }
            }
            payload ??= assembler.Complete(null);
            bool fresh = run.CompleteUpload(ticket, payload);
            return new UploadUpdateResponse { Accepted = true, Duplicate = !fresh, BytesReceived = (ulong)payload.Length };
        }
        catch (Exception ex) when (ex is not RpcException || ((RpcException)ex).StatusCode == StatusCode.Cancelled)
        {
            // The stream broke off (the caller went away, the connection dropped): keep what was checked.
            keep = true;
            throw;
        }
        finally
        {
            run.CloseUpload(upload, keep);
        }
    }

    public override Task<ReportEvaluationResponse> ReportEvaluation(ReportEvaluationRequest request, ServerCallContext context)
    {
        bool fresh = run.ReportEvaluation(request);
        return Task.FromResult(new ReportEvaluationResponse { Accepted = true, Duplicate = !fresh });
    }

    public override Task<RoundStatus> GetRoundStatus(GetRoundStatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(run.GetStatus(request.Round));
    }

    public override Task<FederationReport> GetReport(GetReportRequest request, ServerCallContext context) =>
        Task.FromResult(run.GetReport());
}
