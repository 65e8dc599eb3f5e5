using Federated.Coordinator.Rounds;
using Federated.Core.Federation;

namespace Federated.Coordinator.Federation;

/// <summary>Metrics of one round attempt, as reported by GetReport and written to report.json.</summary>
internal sealed record RoundRecord
{
    public required ulong Round { get; init; }
    public required uint Attempt { get; init; }
    public required RoundPhase Phase { get; init; }
    public required IReadOnlyList<string> Participants { get; init; }
    public required IReadOnlyList<string> Stragglers { get; init; }
    public required double TrainLoss { get; init; }
    public required EvaluationSums ValidationSums { get; init; }
    public double ValidationRmse => ValidationSums.Rmse;
    public double ValidationMae => ValidationSums.Mae;
    /// <summary>Validation RMSE of the new global model at each reporting site.</summary>
    public required IReadOnlyDictionary<string, double> SiteValidationRmse { get; init; }
    public required long BytesUploaded { get; init; }
    public required long BytesDownloaded { get; init; }
    public required double WallSeconds { get; init; }
    /// <summary>Global model version after the round.</summary>
    public required ulong ModelVersion { get; init; }
    public string? FailureReason { get; init; }
    /// <summary>Encryption overhead and key use of the round; null in plaintext runs.</summary>
    public Encryption.EncryptionRoundMetrics? Encryption { get; init; }
}
