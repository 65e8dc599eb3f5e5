using Grpc.Core;
using Grpc.Core.Interceptors;
using Polly;

namespace Federated.Federation.Resilience;

/// <summary>
/// Sends every unary call through a resilience pipeline: each attempt is a fresh call with the pipeline's token
/// (per-attempt timeout), and the caller sees the last attempt's headers, status and trailers. Streaming calls pass
/// through untouched; FederationClient wraps those itself (an upload resumes rather than restarts).
/// All unary RPCs of the protocol may be repeated: Join hands out a new token each time (the last one counts),
/// reports and key material are idempotent, status queries read only.
/// </summary>
public sealed class ResilienceInterceptor(ResiliencePipeline pipeline) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        AsyncUnaryCall<TResponse>? last = null;
        var response = ParticipantResilience.ExecuteAsync(pipeline, async token =>
        {
            last?.Dispose();
            var options = context.Options.WithCancellationToken(token);
            last = continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options));
            return await last.ResponseAsync.ConfigureAwait(false);
        }, context.Options.CancellationToken);
        return new AsyncUnaryCall<TResponse>(
            response,
            HeadersAsync(response, () => last),
            () => last?.GetStatus() ?? Status.DefaultSuccess,
            () => last?.GetTrailers() ?? [],
            () => last?.Dispose());
    }

    /// <summary>The headers of the attempt that produced the outcome (awaited after it, so they are the last attempt's).</summary>
    private static async Task<Metadata> HeadersAsync<TResponse>(Task<TResponse> response, Func<AsyncUnaryCall<TResponse>?> last)
    {
        try
        {
            await response.ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The headers of a failed call are still readable below.
        }
        catch (OperationCanceledException)
        {
            return [];
        }
        return last() is { } call ? await call.ResponseHeadersAsync.ConfigureAwait(false) : [];
    }
}
