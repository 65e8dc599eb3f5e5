using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Federated.Federation.Resilience;

/// <summary>
/// The participant's Polly v8 pipelines. Outermost first: a retry (exponential backoff with jitter, transient
/// failures only, see <see cref="TransientFaults"/>), a circuit breaker shared by every call of this participant
/// (so a dead coordinator is not hammered), and a per-attempt timeout. <see cref="Unary"/> serves unary calls
/// (through <see cref="ResilienceInterceptor"/>), <see cref="Transfer"/> model downloads and update uploads, which
/// resume instead of restarting (FederationClient). <see cref="Reconnect"/> is the backoff of the task stream.
/// </summary>
public sealed partial class ParticipantResilience
{
    private readonly ILogger _logger;
    private long _retries;

    public ParticipantResilience(ParticipantResilienceOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToArray();
        if (problems.Length > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        var breaker = new CircuitBreakerStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RpcException>(TransientFaults.IsTransient).Handle<TimeoutRejectedException>(),
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            OnOpened = args => { LogBreakerOpened(args.BreakDuration.TotalSeconds); return default; },
            OnClosed = _ => { LogBreakerClosed(); return default; },
        };
        // One breaker for both pipelines: the coordinator is one dependency.
        var breakerState = new CircuitBreakerStateProvider();
        breaker.StateProvider = breakerState;
        BreakerState = breakerState;
        var shared = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }.AddCircuitBreaker(breaker).Build();
        Unary = Build(options, shared, options.CallTimeout, time);
        Transfer = Build(options, shared, options.TransferTimeout, time);
        Reconnect = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddTimeout(options.ReconnectTimeout)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(TransientFaults.IsReconnectable).Handle<TimeoutRejectedException>().Handle<BrokenCircuitException>().Handle<PausedRunException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.ReconnectMaxDelay,
                OnRetry = args => { LogReconnecting(args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? ""); return default; },
            })
            .Build();
    }

    public ParticipantResilienceOptions Options { get; }

    /// <summary>Unary calls: retry, breaker, <see cref="ParticipantResilienceOptions.CallTimeout"/> per attempt.</summary>
    public ResiliencePipeline Unary { get; }

    /// <summary>Downloads and uploads: retry, breaker, <see cref="ParticipantResilienceOptions.TransferTimeout"/> per attempt.</summary>
    public ResiliencePipeline Transfer { get; }

    /// <summary>Re-opening the task stream (Join again when needed) until <see cref="ParticipantResilienceOptions.ReconnectTimeout"/>.</summary>
    public ResiliencePipeline Reconnect { get; }

    /// <summary>The shared circuit breaker's state.</summary>
    public CircuitBreakerStateProvider BreakerState { get; }

    /// <summary>Retries made so far by the unary and transfer pipelines.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>
    /// Runs <paramref name="call"/> through <paramref name="pipeline"/>. A gRPC call cancelled by the per-attempt
    /// timeout surfaces as CANCELLED; it is turned into the cancellation the timeout strategy recognises, so that it
    /// counts as a timeout (and is retried) while the caller's own cancellation still ends everything.
    /// </summary>
    public static async Task<T> ExecuteAsync<T>(ResiliencePipeline pipeline, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(call);
        return await pipeline.ExecuteAsync(async token =>
        {
            try
            {
                return await call(token).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested)
            {
                throw new OperationCanceledException(ex.Status.Detail, ex, token);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private ResiliencePipeline Build(ParticipantResilienceOptions options, ResiliencePipeline breaker, TimeSpan timeout, TimeProvider? time) =>
        new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(TransientFaults.IsTransient).Handle<TimeoutRejectedException>().Handle<BrokenCircuitException>(),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _retries);
                    LogRetry(args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .AddPipeline(breaker)
            .AddTimeout(timeout)
            .Build();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call failed transiently; retry {Attempt} in {DelayMs:F0} ms: {Reason}")]
    private partial void LogRetry(int attempt, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit to the coordinator opened for {Seconds:F1} s after repeated failures")]
    private partial void LogBreakerOpened(double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit to the coordinator closed again")]
    private partial void LogBreakerClosed();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task stream lost; reconnection attempt {Attempt} in {DelayMs:F0} ms: {Reason}")]
    private partial void LogReconnecting(int attempt, double delayMs, string reason);
}

/// <summary>The coordinator paused the run (RunEnded.resumable): wait and reconnect.</summary>
public sealed class PausedRunException : Exception
{
    public PausedRunException()
    {
    }

    public PausedRunException(string message) : base(message)
    {
    }

    public PausedRunException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
