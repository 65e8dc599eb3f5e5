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
        string reason;
        try
        {
            await control.WaitForStartAsync(stopping.Token).ConfigureAwait(false);
            reason = await RunRoundsAsync(stopping.Token).ConfigureAwait(false);
            completed = run.RoundsCompleted == (ulong)_options.Rounds;
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
        run.EndRun(completed, reason);
        await WriteReportAsync(completed, CancellationToken.None).ConfigureAwait(false);
        LogReportWritten(Path.GetFullPath(ReportPath));
        if (_options.ExitWhenComplete)
        {
            lifetime.StopApplication();
        }
    }

    private async Task<string> RunRoundsAsync(CancellationToken ct)
    {
        for (ulong round = 1; round <= (ulong)_options.Rounds; round++)
        {
            bool done = false;
            for (uint attempt = 1; !done; attempt++)
            {
                if (attempt > _options.MaxRoundAttempts)
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
        await WaitOrDeadlineAsync(context.AllUpdates.Task, _options.RoundDeadline, ct).ConfigureAwait(false);
        var updates = run.CloseTraining(context);
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

    private Task WriteReportAsync(bool completed, CancellationToken ct) =>
        RunReport.From(run, completed).WriteAsync(ReportPath, ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {Round} completed: {Participants} participants, {Stragglers} stragglers, train loss {TrainLoss:G4}, validation RMSE {Rmse:G4}, {Seconds:F2} s")]
    private partial void LogRoundCompleted(ulong round, int participants, int stragglers, double trainLoss, double rmse, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The federation run failed")]
    private partial void LogRunCrashed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Report written to {Path}")]
    private partial void LogReportWritten(string path);
}
