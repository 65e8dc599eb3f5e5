using Federated.Coordinator.Fairness;
using Federated.Federation.V1;
using Grpc.Core;

namespace Federated.Coordinator.Services;

/// <summary>GetFairnessReport: the per-cohort report of a round, from consortium-wide sums only.</summary>
internal sealed partial class FederationService
{
    public override Task<FairnessReport> GetFairnessReport(GetFairnessReportRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(FairnessReportWire.ToWire(run.GetFairnessReport(request.Round), run.RunId));
    }
}
