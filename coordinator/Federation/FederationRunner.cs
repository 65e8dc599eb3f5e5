using System.Globalization;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Options;
using Federated.Coordinator.Reporting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Federation;

/// <summary>
/// Drives the rounds of a <see cref="FederationRun"/>: per round, wait for participants, send train tasks,
/// collect updates until all arrive or the deadline, aggregate, checkpoint, evaluate, record. A failed attempt
/// (too few updates) keeps the global model and is retried up to MaxRoundAttempts times.
/// </summary>
internal sealed partial class FederationRunner(
    FederationRun run,
    IAggregationStrategy strategy,
    CheckpointWriter checkpoints,
    IOptions<FederationOptions> options,
    IHostApplicationLifetime lifetime,
    Admin.RunControl control,
    ILogger<FederationRunner> logger) : BackgroundService
{
    private readonly FederationOptions _options = options.Value;

    /// <summary>Path of report.json.</summary>
    public string ReportPath => Path.Combine(_options.OutDir, "report.json");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        // An operator's StopRun ends the run like a shutdown does, with the operator's reason.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, control.StopToken);
        bool completed = false;
        bool final = false;
        string reason;
        try
        {
            await control.WaitForStartAsync(stopping.Token).ConfigureAwait(false);
            if (run.StoredOutcome is { } outcome)
            {
                // A restarted coordinator whose run had already ended for good: tell whoever connects.
                (completed, reason, final) = (outcome.Completed, outcome.Reason, true);
            }
            else
            {
                reason = await RunRoundsAsync(stopping.Token).ConfigureAwait(false);
                completed = run.RoundsCompleted >= (ulong)_options.Rounds;
            }
        }
        catch (OperationCanceledException) when (stopping.Token.IsCancellationRequested)
        {
            reason = control.StopReason ?? "the coordinator is stopping";
        }
#pragma warning disable CA1031 // The run must end visibly for participants whatever went wrong.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRunCrashed(ex);
            reason = "coordinator error: " + ex.Message;
        }
        // With a state store, only completion and an operator's StopRun end the run for good; a shutdown, a crash or
        // a round that could not reach its quorum pauses it, and a restarted coordinator continues it.
        bool stoppedByOperator = control.StopToken.IsCancellationRequested;
        bool resumable = run.IsPersistent && !completed && !stoppedByOperator && !final;
        if (!final)
        {
            run.PersistStatus(completed ? Persistence.RunStatus.Completed : stoppedByOperator ? Persistence.RunStatus.Stopped : Persistence.RunStatus.Paused, reason);
        }
        run.EndRun(completed, resumable ? reason + " (the run is paused; a restarted coordinator continues it)" : reason, resumable);
        await WriteReportAsync(completed, CancellationToken.None).ConfigureAwait(false);
        LogReportWritten(Path.GetFullPath(ReportPath));
        if (_options.ExitWhenComplete)
        {
            lifetime.StopApplication();
        }
    }

    private async Task<string> RunRoundsAsync(CancellationToken ct)
    {
        // A restarted coordinator continues after the last committed round; attempts of a round already tried
        // continue their numbering, so a re-run never reuses an attempt (nor, encrypted, a ciphertext round).
        for (ulong round = run.RoundsCompleted + 1; round <= (ulong)_options.Rounds; round++)
        {
            bool done = false;
            uint first = run.FirstAttempt(round);
            for (uint attempt = first; !done; attempt++)
            {
                if (attempt - first >= _options.MaxRoundAttempts)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"round {round} failed {_options.MaxRoundAttempts} times");
                }
                var context = run.BeginRound(round, attempt);
                var selected = await run.WaitForParticipantsAsync(_options.MinParticipants, _options.ParticipantWaitTimeout, ct).ConfigureAwait(false);
                if (selected is null)
                {
                    string why = string.Create(CultureInfo.InvariantCulture, $"fewer than {_options.MinParticipants} participants connected within {_options.ParticipantWaitTimeout}");
                    run.FailRound(context, why);
                    await WriteReportAsync(false, ct).ConfigureAwait(false);
                    return why;
                }
                done = await RunAttemptAsync(context, selected, ct).ConfigureAwait(false);
                await WriteReportAsync(false, ct).ConfigureAwait(false);
            }
        }
        return "all rounds completed";
    }

    private async Task<bool> RunAttemptAsync(RoundContext context, IReadOnlyList<string> selected, CancellationToken ct)
    {
        if (run.IsEncrypted)
        {
            return await new Encryption.EncryptedRoundDriver(run, strategy, checkpoints, _options, logger).RunAttemptAsync(context, selected, ct).ConfigureAwait(false);
        }
        run.StartTraining(context, selected);
        await Persistence.CrashPoints.ReachedAsync("training", context.Round, ct).ConfigureAwait(false);
        await WaitOrDeadlineAsync(context.AllUpdates.Task, _options.RoundDeadline, ct).ConfigureAwait(false);
        var updates = run.CloseTraining(context);
        await Persistence.CrashPoints.ReachedAsync("aggregation", context.Round, ct).ConfigureAwait(false);
        if (updates.Count < _options.MinUpdatesPerRound)
        {
            run.FailRound(context, string.Create(CultureInfo.InvariantCulture,
                $"{updates.Count} update(s) arrived before the deadline; at least {_options.MinUpdatesPerRound} needed"));
            return false;
        }

        var global = run.CurrentModel;
        var result = strategy.Aggregate(global.Values, updates);
        if (result.KeepsPrevious)
        {
            run.FailRound(context, "aggregation kept the previous model: " + result.KeepReason);
            return false;
        }
        var next = run.PublishModel(result.NewGlobal!);
        await checkpoints.WriteAsync(run, context.Round, next, ct).ConfigureAwait(false);

        run.StartEvaluation(context, next);
        await Persistence.CrashPoints.ReachedAsync("evaluation", context.Round, ct).ConfigureAwait(false);
        await WaitOrDeadlineAsync(context.AllEvaluations.Task, _options.EvaluationDeadline, ct).ConfigureAwait(false);
        var record = run.CompleteRound(context);
        LogRoundCompleted(record.Round, record.Participants.Count, record.Stragglers.Count, record.TrainLoss, record.ValidationRmse, record.WallSeconds);
        return true;
    }

    private static async Task WaitOrDeadlineAsync(Task condition, TimeSpan deadline, CancellationToken ct)
    {
        try
        {
            await condition.WaitAsync(deadline, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The deadline passed: whatever arrived is used, the rest are stragglers.
        }
    }

    private async Task WriteReportAsync(bool completed, CancellationToken ct)
    {
        await RunReport.From(run, completed).WriteAsync(ReportPath, ct).ConfigureAwait(false);
        // Fairness: fairness/round-NNNN.json and .csv per completed round; fairness.html once the run has ended.
        await Fairness.FairnessFiles.WriteAsync(run, _options.OutDir, ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {Round} completed: {Participants} participants, {Stragglers} stragglers, train loss {TrainLoss:G4}, validation RMSE {Rmse:G4}, {Seconds:F2} s")]
    private partial void LogRoundCompleted(ulong round, int participants, int stragglers, double trainLoss, double rmse, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The federation run failed")]
    private partial void LogRunCrashed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Report written to {Path}")]
    private partial void LogReportWritten(string path);
}
