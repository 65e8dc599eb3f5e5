using Grpc.Core;

namespace Federated.Federation.Resilience;

/// <summary>Which failures are worth another attempt.</summary>
public static class TransientFaults
{
    /// <summary>
    /// UNAVAILABLE (no connection, the coordinator restarting, a connection reset) and DEADLINE_EXCEEDED are
    /// transient. Everything else is an answer that a retry cannot change: INVALID_ARGUMENT, PERMISSION_DENIED,
    /// UNAUTHENTICATED (the session is gone: Join again instead), FAILED_PRECONDITION (wrong round or phase),
    /// NOT_FOUND, and RESOURCE_EXHAUSTED, which this coordinator only uses for size limits.
    /// </summary>
    public static bool IsTransient(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded;
    }

    /// <summary>
    /// Whether a broken task stream should be re-opened: transient failures, plus the statuses a dying connection
    /// surfaces as (INTERNAL for a reset stream, CANCELLED from the far side, UNKNOWN) and UNAUTHENTICATED (the
    /// coordinator restarted and forgot the session: Join again).
    /// </summary>
    public static bool IsReconnectable(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return IsTransient(exception) || exception.StatusCode is StatusCode.Internal or StatusCode.Cancelled or StatusCode.Unknown or StatusCode.Unauthenticated or StatusCode.Aborted;
    }
}
