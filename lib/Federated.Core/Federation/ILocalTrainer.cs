namespace Federated.Core.Federation;

/// <summary>
/// What a participant does with its own data inside a round. The federation layer knows nothing about the
/// model beyond the flat shared-parameter vector described by <see cref="Layout"/>.
/// </summary>
public interface ILocalTrainer
{
    /// <summary>The layout of the shared vector this trainer reads and writes.</summary>
    SharedLayout Layout { get; }

    /// <summary>Trains from <paramref name="globalShared"/> on the local training period.</summary>
    /// <returns>The delta (local − global) of the shared parameters and the number of samples used.</returns>
    Task<LocalUpdate> TrainAsync(ReadOnlyMemory<float> globalShared, TrainingPlan plan, CancellationToken cancellationToken);

    /// <summary>Evaluates <paramref name="globalShared"/> on the local test period.</summary>
    Task<EvaluationSums> EvaluateAsync(ReadOnlyMemory<float> globalShared, CancellationToken cancellationToken);
}
