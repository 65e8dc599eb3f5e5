using Federated.Core.Federation;

namespace Federated.Coordinator.Models;

/// <summary>Where the run's initial global model and its layout come from.</summary>
internal interface IGlobalModelSource
{
    /// <summary>Layout every participant must match.</summary>
    SharedLayout Layout { get; }

    /// <summary>The initial shared parameters for <paramref name="seed"/>.</summary>
    float[] CreateInitial(long seed);
}
