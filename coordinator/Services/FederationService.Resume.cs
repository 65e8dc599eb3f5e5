using Federated.Federation.V1;
using Grpc.Core;

namespace Federated.Coordinator.Services;

/// <summary>Resumable uploads: framing only; rules and state in FederationRun.Resume.</summary>
internal sealed partial class FederationService
{
    public override Task<UploadStatus> GetUploadStatus(GetUploadStatusRequest request, ServerCallContext context) =>
        Task.FromResult(run.GetUploadStatus(request));
}
