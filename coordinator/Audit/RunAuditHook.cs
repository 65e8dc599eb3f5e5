using System.Globalization;
using Federated.Coordinator.Federation;
using Federated.Coordinator.Options;
using Federated.Coordinator.Security;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Audit;

/// <summary>
/// Appends the run's own decisions to the audit log: the configuration it started with, each round attempt's
/// outcome (which sites' updates were aggregated, or why the attempt failed) and how the run ended.
/// </summary>
internal sealed partial class RunAuditHook(
    FederationRun run,
    AuditLog audit,
    CoordinatorSecurity security,
    IOptions<FederationOptions> options,
    ILogger<RunAuditHook> logger) : IHostedLifecycleService
{
    private const string Actor = "coordinator";
    private Task _endRecorded = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (security.Insecure)
        {
            LogInsecure();
        }
        audit.Append(Actor, "run.configure", new Dictionary<string, string>
        {
            ["run_id"] = run.RunId,
            ["transport"] = security.Insecure ? "h2c-insecure-loopback" : "tls-mutual",
            ["rounds"] = I(o.Rounds),
            ["min_participants"] = I(o.MinParticipants),
            ["min_updates_per_round"] = I(o.MinUpdatesPerRound),
            ["strategy"] = o.Strategy,
            ["model"] = o.Model,
            ["local_steps"] = I(o.LocalSteps),
            ["learning_rate"] = o.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["allowed_sites"] = string.Join(",", o.AllowedSites),
        });
        run.RoundRecorded += OnRoundRecorded;
        _endRecorded = run.Ended.ContinueWith(t => Append(Actor, "run.end", new Dictionary<string, string>
        {
            ["run_id"] = run.RunId,
            ["completed"] = t.Result.Completed ? "true" : "false",
            ["rounds_completed"] = t.Result.RoundsCompleted.ToString(CultureInfo.InvariantCulture),
            ["reason"] = t.Result.Reason,
            ["final_model_version"] = (t.Result.FinalModel?.ModelVersion ?? 0).ToString(CultureInfo.InvariantCulture),
        }), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every hosted service stopped (the runner ends the run when it stops): the run's end is on file before the host is gone.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (run.Ended.IsCompleted)
        {
            await _endRecorded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        run.RoundRecorded -= OnRoundRecorded;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnRoundRecorded(RoundRecord record)
    {
        var details = new Dictionary<string, string>
        {
            ["run_id"] = run.RunId,
            ["round"] = record.Round.ToString(CultureInfo.InvariantCulture),
            ["attempt"] = record.Attempt.ToString(CultureInfo.InvariantCulture),
            ["aggregated_sites"] = string.Join(",", record.Participants),
            ["stragglers"] = string.Join(",", record.Stragglers),
            ["model_version"] = record.ModelVersion.ToString(CultureInfo.InvariantCulture),
        };
        if (record.FailureReason is { } reason)
        {
            details["reason"] = reason;
        }
        Append(Actor, record.FailureReason is null ? "round.completed" : "round.failed", details);
    }

    /// <summary>A failing audit write must not take the run down from inside its lock; it is logged as an error.</summary>
    private void Append(string actor, string action, Dictionary<string, string> details)
    {
        try
        {
            audit.Append(actor, action, details);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            LogAuditFailed(ex, action);
        }
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Security:AllowInsecureLoopback is set: serving h2c without TLS on loopback, and callers without an identity are trusted with every role. For tests and benchmarks only.")]
    private partial void LogInsecure();

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not append {Action} to the audit log")]
    private partial void LogAuditFailed(Exception exception, string action);
}
