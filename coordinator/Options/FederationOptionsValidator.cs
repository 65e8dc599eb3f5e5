using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Options;

/// <summary>Checks <see cref="FederationOptions"/> at start; each failure names the setting and the value.</summary>
internal sealed class FederationOptionsValidator : IValidateOptions<FederationOptions>
{
    public ValidateOptionsResult Validate(string? name, FederationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                failures.Add(message);
            }
        }

        Require(options.MinParticipants >= 1, $"Federation:MinParticipants must be at least 1 (got {options.MinParticipants}).");
        Require(options.Rounds >= 1, $"Federation:Rounds must be at least 1 (got {options.Rounds}).");
        Require(options.RoundDeadline > TimeSpan.Zero, $"Federation:RoundDeadline must be positive (got {options.RoundDeadline}).");
        Require(options.EvaluationDeadline > TimeSpan.Zero, $"Federation:EvaluationDeadline must be positive (got {options.EvaluationDeadline}).");
        Require(options.ParticipantWaitTimeout > TimeSpan.Zero, $"Federation:ParticipantWaitTimeout must be positive (got {options.ParticipantWaitTimeout}).");
        Require(options.MinUpdatesPerRound >= 1, $"Federation:MinUpdatesPerRound must be at least 1 (got {options.MinUpdatesPerRound}).");
        Require(options.MaxRoundAttempts >= 1, $"Federation:MaxRoundAttempts must be at least 1 (got {options.MaxRoundAttempts}).");
        Require(options.LocalSteps >= 1, $"Federation:LocalSteps must be at least 1 (got {options.LocalSteps}).");
        Require(options.LearningRate > 0 && double.IsFinite(options.LearningRate), $"Federation:LearningRate must be a positive number (got {options.LearningRate}).");
        Require(options.BatchSize >= 1, $"Federation:BatchSize must be at least 1 (got {options.BatchSize}).");
        Require(options.ServerLearningRate > 0 && double.IsFinite(options.ServerLearningRate), $"Federation:ServerLearningRate must be a positive number (got {options.ServerLearningRate}).");
        Require(options.Strategy.ToLowerInvariant() is "fedavg" or "fedadam" or "fedyogi" or "qffl", $"Federation:Strategy \"{options.Strategy}\" is unknown; supported: fedavg, fedadam, fedyogi, qffl.");
        Require(options.Qffl.Q >= 0 && double.IsFinite(options.Qffl.Q), $"Federation:Qffl:Q must be a finite number >= 0 (got {options.Qffl.Q}).");
        Require(options.Qffl.Lipschitz >= 0 && double.IsFinite(options.Qffl.Lipschitz), $"Federation:Qffl:Lipschitz must be a finite number >= 0, 0 meaning 1 / LearningRate (got {options.Qffl.Lipschitz}).");
        failures.AddRange(options.Fairness.Validate());
        Require(options.ServerBeta1 is >= 0 and < 1, $"Federation:ServerBeta1 must be in [0, 1) (got {options.ServerBeta1}).");
        Require(options.ServerBeta2 is >= 0 and < 1, $"Federation:ServerBeta2 must be in [0, 1) (got {options.ServerBeta2}).");
        Require(options.ServerTau > 0 && double.IsFinite(options.ServerTau), $"Federation:ServerTau must be a positive number (got {options.ServerTau}).");
        Require(options.Encryption is "none" or "rlwe", $"Federation:Encryption \"{options.Encryption}\" is unknown; supported: none, rlwe.");
        if (options.Encryption == "rlwe")
        {
            failures.AddRange(Federated.Coordinator.Encryption.RlweOptionsValidator.Validate(options));
        }
        Require(options.Model is "twin" or "synthetic", $"Federation:Model \"{options.Model}\" is unknown; supported: twin, synthetic.");
        Require(options.SyntheticLength >= 1, $"Federation:SyntheticLength must be at least 1 (got {options.SyntheticLength}).");
        Require(options.ChunkBytes >= 1024, $"Federation:ChunkBytes must be at least 1024 (got {options.ChunkBytes}).");
        Require(options.MaxChunkBytes >= options.ChunkBytes, $"Federation:MaxChunkBytes ({options.MaxChunkBytes}) must be at least Federation:ChunkBytes ({options.ChunkBytes}).");
        Require(options.MaxChunkBytes <= 64 * 1024 * 1024, $"Federation:MaxChunkBytes must be at most 67108864 (got {options.MaxChunkBytes}).");
        Require(options.MaxUpdateBytes >= 4, $"Federation:MaxUpdateBytes must be at least 4 (got {options.MaxUpdateBytes}).");
        Require(!string.IsNullOrWhiteSpace(options.OutDir), "Federation:OutDir must be set.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
