using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Grpc.Core;

namespace Federated.Coordinator.Services;

/// <summary>The encrypted-round RPCs: framing only; rules and state in FederationRun.Encryption.</summary>
internal sealed partial class FederationService
{
    public override Task<SubmitKeyMaterialResponse> SubmitKeyMaterial(SubmitKeyMaterialRequest request, ServerCallContext context) =>
        Task.FromResult(run.SubmitKeyMaterial(request));

    public override async Task DownloadKeyMaterial(DownloadKeyMaterialRequest request, IServerStreamWriter<KeyMaterialPart> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var part in run.KeyMaterialFor(request))
        {
            await responseStream.WriteAsync(part, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task DownloadAggregate(DownloadAggregateRequest request, IServerStreamWriter<AggregateDownloadPart> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        byte[] aggregate = run.AggregateFor(request);
        int chunkBytes = run.Options.ChunkBytes;
        var ct = context.CancellationToken;
        await responseStream.WriteAsync(new AggregateDownloadPart
        {
            Header = new AggregateHeader { TotalBytes = (ulong)aggregate.Length, ChunkCount = (uint)PayloadChunks.Count(aggregate.Length, chunkBytes) },
        }, ct).ConfigureAwait(false);
        foreach (var chunk in PayloadChunks.Split(aggregate, chunkBytes))
        {
            await responseStream.WriteAsync(new AggregateDownloadPart { Chunk = chunk }, ct).ConfigureAwait(false);
        }
        await responseStream.WriteAsync(new AggregateDownloadPart { Trailer = PayloadChunks.Digest(aggregate) }, ct).ConfigureAwait(false);
    }

    public override Task<ConfirmDecryptionResponse> ConfirmDecryption(ConfirmDecryptionRequest request, ServerCallContext context) =>
        Task.FromResult(run.ConfirmDecryption(request));

    public override async Task<UploadDecryptionShareResponse> UploadDecryptionShare(IAsyncStreamReader<DecryptionSharePart> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct).ConfigureAwait(false) || requestStream.Current.PartCase != DecryptionSharePart.PartOneofCase.Header)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message must be a header"));
        }
        var header = requestStream.Current.Header;
        var (aggregate, siteId) = run.BeginShareUpload(header);
        using var assembler = new ChunkAssembler(header.TotalBytes, run.Options.MaxChunkBytes, run.Options.MaxUpdateBytes, "decryption share");
        byte[]? share = null;
        while (await requestStream.MoveNext(ct).ConfigureAwait(false))
        {
            var part = requestStream.Current;
            if (share is not null)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"nothing may follow the trailer, got {part.PartCase}"));
            }
            switch (part.PartCase)
            {
                case DecryptionSharePart.PartOneofCase.Chunk:
                    assembler.Add(part.Chunk);
                    break;
                case DecryptionSharePart.PartOneofCase.Trailer:
                    share = assembler.Complete(part.Trailer);
                    break;
                default:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"expected chunk {assembler.ReceivedChunks} or the trailer, got {part.PartCase}"));
            }
        }
        share ??= assembler.Complete(null);
        run.CompleteShareUpload(aggregate, siteId, share);
        return new UploadDecryptionShareResponse { Accepted = true };
    }
}
