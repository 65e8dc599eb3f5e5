namespace Federated.Coordinator.Admin;

/// <summary>
/// Operator control of the run's lifetime: the runner waits for <see cref="WaitForStartAsync"/> before its first
/// round (already open unless the coordinator was told to wait for an operator) and stops at <see cref="StopToken"/>.
/// </summary>
internal sealed class RunControl : IDisposable
{
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();

    public RunControl(bool requireOperatorStart)
    {
        if (!requireOperatorStart)
        {
            _started.TrySetResult("coordinator");
        }
    }

    public bool Started => _started.Task.IsCompleted;

    /// <summary>Cancelled when an operator stops the run.</summary>
    public CancellationToken StopToken => _stop.Token;

    /// <summary>"stopped by ACTOR: REASON" once stopped.</summary>
    public string? StopReason { get; private set; }

    public Task WaitForStartAsync(CancellationToken cancellationToken) => _started.Task.WaitAsync(cancellationToken);

    /// <summary>Opens the start gate; false when it was open already.</summary>
    public bool RequestStart(string actor) => _started.TrySetResult(actor);

    /// <summary>Stops the run; false when a stop was requested before.</summary>
    public bool RequestStop(string actor, string reason)
    {
        lock (_gate)
        {
            if (StopReason is not null)
            {
                return false;
            }
            StopReason = $"stopped by {actor}: {reason}";
        }
        _stop.Cancel();
        return true;
    }

    public void Dispose() => _stop.Dispose();
}
