namespace Federated.Federation.Resilience;

/// <summary>
/// How a participant rides out a flaky network and coordinator restarts; bound from "Participant:Resilience".
/// Defaults suit a WAN link to a coordinator that may restart: see docs/operations.md.
/// </summary>
public sealed class ParticipantResilienceOptions
{
    /// <summary>Timeout of one attempt of a unary call (Join, ReportEvaluation, key material, ...). Default 30 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one attempt of a model download or an update upload. Default 10 minutes.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Retries after the first attempt of a call that failed transiently. Default 6.</summary>
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>First retry delay; doubles per retry, with jitter. Default 250 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest retry delay. Default 10 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Share of failed calls (within <see cref="BreakerSamplingDuration"/>) that opens the circuit. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed in the sampling window before the breaker judges. Default 8.</summary>
    public int BreakerMinimumThroughput { get; set; } = 8;

    /// <summary>Sampling window of the breaker. Default 30 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails calls at once before letting one through. Default 5 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest pause between two reconnection attempts of the task stream. Default 5 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a participant keeps trying to get back to an unreachable or paused coordinator before it gives up. Default 30 minutes.</summary>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Checks the values; returns one message per problem, naming the setting.</summary>
    public IEnumerable<string> Validate(string prefix = "Participant:Resilience")
    {
        if (CallTimeout <= TimeSpan.Zero) yield return $"{prefix}:CallTimeout must be positive (got {CallTimeout}).";
        if (TransferTimeout <= TimeSpan.Zero) yield return $"{prefix}:TransferTimeout must be positive (got {TransferTimeout}).";
        if (MaxRetryAttempts is < 0 or > 100) yield return $"{prefix}:MaxRetryAttempts must be 0-100 (got {MaxRetryAttempts}).";
        if (RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay) yield return $"{prefix}:RetryBaseDelay must be positive and at most RetryMaxDelay (got {RetryBaseDelay}, {RetryMaxDelay}).";
        if (BreakerFailureRatio is <= 0 or > 1) yield return $"{prefix}:BreakerFailureRatio must be in (0, 1] (got {BreakerFailureRatio}).";
        if (BreakerMinimumThroughput < 2) yield return $"{prefix}:BreakerMinimumThroughput must be at least 2 (got {BreakerMinimumThroughput}).";
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500)) yield return $"{prefix}:BreakerSamplingDuration must be at least 0.5 s (got {BreakerSamplingDuration}).";
        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500)) yield return $"{prefix}:BreakerBreakDuration must be at least 0.5 s (got {BreakerBreakDuration}).";
        if (ReconnectMaxDelay <= TimeSpan.Zero) yield return $"{prefix}:ReconnectMaxDelay must be positive (got {ReconnectMaxDelay}).";
        if (ReconnectTimeout <= TimeSpan.Zero) yield return $"{prefix}:ReconnectTimeout must be positive (got {ReconnectTimeout}).";
    }
}
