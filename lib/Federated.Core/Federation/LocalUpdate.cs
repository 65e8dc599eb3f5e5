namespace Federated.Core.Federation;

/// <summary>A participant's contribution to one round.</summary>
/// <param name="Delta">Local shared parameters minus the global ones the round started from.</param>
/// <param name="SampleCount">Training windows behind the delta (the FedAvg weight).</param>
/// <param name="TrainLoss">Mean training loss over the local steps.</param>
public sealed record LocalUpdate(float[] Delta, long SampleCount, double TrainLoss)
{
    /// <summary>Local loss of the received global model (the first step's batch loss, before any update); NaN when unknown. q-FFL's F_k(w^t).</summary>
    public double InitialLoss { get; init; } = double.NaN;
}
