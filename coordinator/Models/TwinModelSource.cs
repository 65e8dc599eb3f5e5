using Federated.Core.Federation;
using Federated.Core.Twin;

namespace Federated.Coordinator.Models;

/// <summary>The building twin's shared correction network, initialised from the run seed.</summary>
internal sealed class TwinModelSource(TwinOptions options) : IGlobalModelSource
{
    public SharedLayout Layout { get; } = TwinSharedModel.Layout(options);

    public float[] CreateInitial(long seed) => TwinSharedModel.Initial(options, seed);
}
