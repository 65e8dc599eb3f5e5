using System.Diagnostics;
using System.Globalization;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Federation;
using Federated.Coordinator.Options;
using Federated.Coordinator.Reporting;
using Federated.Federation.Encryption;
using Microsoft.Extensions.Logging;

namespace Federated.Coordinator.Encryption;

/// <summary>
/// One attempt of an encrypted round: key ceremony when needed, train tasks carrying the encryption spec, encrypted
/// uploads summed as they arrive, collective decryption of the update aggregate, the server optimiser on the
/// decrypted mean, then encrypted evaluation sums and their decryption. Any failure fails the attempt; the runner
/// retries it with fresh encryptions (and, if needed, a new key).
/// </summary>
internal sealed partial class EncryptedRoundDriver(FederationRun run, IAggregationStrategy strategy, CheckpointWriter checkpoints, FederationOptions options, ILogger logger)
{
    public async Task<bool> RunAttemptAsync(RoundContext context, IReadOnlyList<string> connected, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(connected);
        string? reason = run.KeyCeremonyNeeded(connected);
        double ceremonySeconds = 0;
        if (reason is not null)
        {
            var clock = Stopwatch.StartNew();
            LogCeremony(context.Round, context.Attempt, reason);
            if (await run.RunKeyCeremonyAsync(connected, ct).ConfigureAwait(false) is { } failure)
            {
                run.FailRound(context, failure);
                return false;
            }
            ceremonySeconds = clock.Elapsed.TotalSeconds;
        }
        run.AttachEncryption(context, reason, ceremonySeconds);
        var state = context.Encrypted!;
        var selected = run.KeyHolders(connected);
        run.StartTraining(context, selected);
        await Persistence.CrashPoints.ReachedAsync("training", context.Round, ct).ConfigureAwait(false);
        try
        {
            await context.AllUpdates.Task.WaitAsync(options.RoundDeadline, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Deadline: whatever arrived is summed; the rest are stragglers.
        }
        run.CloseTraining(context);
        await Persistence.CrashPoints.ReachedAsync("aggregation", context.Round, ct).ConfigureAwait(false);
        int contributors = state.Update.Contributors.Count;
        if (contributors < options.MinUpdatesPerRound)
        {
            run.FailRound(context, string.Create(CultureInfo.InvariantCulture,
                $"{contributors} update(s) arrived before the deadline; at least {options.MinUpdatesPerRound} needed"));
            return false;
        }

        var decryptClock = Stopwatch.StartNew();
        var (sum, why) = await run.DecryptAsync(context, state.Update, ct).ConfigureAwait(false);
        state.UpdateDecryptMilliseconds = decryptClock.Elapsed.TotalMilliseconds;
        if (sum is null)
        {
            run.FailRound(context, "decryption failed, the round is re-run with fresh encryptions: " + why);
            return false;
        }
        var decoded = UpdateCodec.DecodeUpdate(state.Plan, sum, run.Layout.Length);
        state.TrainLoss = decoded.TrainLoss;
        state.MeanErrorBound = state.Plan.MeanErrorBound(decoded.Contributors, decoded.TotalWeight);
        var global = run.CurrentModel;
        // q-FFL needs Σh beside the mean of F^q·δ; every other strategy steps from the mean delta alone.
        var result = strategy is QFedAvgStrategy qffl ? qffl.Apply(global.Values, decoded.MeanDelta, decoded.MeanQfflH) : strategy.Apply(global.Values, decoded.MeanDelta);
        // The update sum is decrypted: this round must not be re-run. A retry would train again from the same model
        // (perhaps with another site set) and decrypt a second sum; the difference of two sums reveals individual
        // updates (and participants refuse a second update share for a round). So a strategy that keeps the previous
        // model completes the round with it instead of failing it.
        if (result.KeepsPrevious)
        {
            LogKeptPrevious(context.Round, result.KeepReason ?? "");
        }
        var next = run.PublishModel(result.NewGlobal ?? (float[])global.Values.Clone());
        await checkpoints.WriteAsync(run, context.Round, next, ct).ConfigureAwait(false);

        run.StartEvaluation(context, next);
        try
        {
            await context.AllEvaluations.Task.WaitAsync(options.EvaluationDeadline, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Evaluate with whoever reported.
        }
        decryptClock.Restart();
        var (evaluation, evaluationWhy) = await run.DecryptAsync(context, state.Evaluation, ct).ConfigureAwait(false);
        state.EvaluationDecryptMilliseconds = decryptClock.Elapsed.TotalMilliseconds;
        if (evaluation is not null)
        {
            var statistics = UpdateCodec.DecodeStatistics(state.Plan, evaluation);
            state.Validation = statistics.Sums.ToEvaluation();
            run.SetDecryptedCohortStatistics(context, statistics.Sums.Values, statistics.Sites);
        }
        else
        {
            LogEvaluationNotDecrypted(context.Round, evaluationWhy ?? "");
        }
        var record = run.CompleteRound(context);
        LogRoundCompleted(record.Round, record.Participants.Count, state.Key.Epoch, state.Update.AddMilliseconds, state.UpdateDecryptMilliseconds, record.ValidationRmse);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {Round} attempt {Attempt}: key ceremony ({Reason})")]
    private partial void LogCeremony(ulong round, uint attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {Round}: the strategy kept the previous model ({Reason}); the round completes with it, since its update sum was already decrypted")]
    private partial void LogKeptPrevious(ulong round, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {Round}: the evaluation sums were not decrypted ({Reason}); validation is unknown")]
    private partial void LogEvaluationNotDecrypted(ulong round, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {Round} completed (encrypted): {Participants} contributors, key epoch {Epoch}, aggregate {AggregateMs:F1} ms, decrypt {DecryptMs:F1} ms, validation RMSE {Rmse:G4}")]
    private partial void LogRoundCompleted(ulong round, int participants, uint epoch, double aggregateMs, double decryptMs, double rmse);
}
