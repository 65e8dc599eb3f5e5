using System.Net;
using Federated.Federation.Security;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Federated.Federation.Transport;

/// <summary>Creates the participant's gRPC channel to a coordinator.</summary>
public static class FederationChannel
{
    /// <summary>
    /// A channel to <paramref name="address"/> (http:// for h2c on a trusted network, https:// for TLS). With
    /// <paramref name="tuned"/> the client advertises larger HTTP/2 windows (see <see cref="Http2Tuning"/>).
    /// <paramref name="security"/> (for https://) trusts only the consortium CA and offers the client certificate.
    /// </summary>
    public static GrpcChannel Create(Uri address, bool tuned = true, int maxMessageBytes = Http2Tuning.DefaultChunkBytes * 4 + Http2Tuning.MessageOverheadBytes, ILoggerFactory? loggerFactory = null, ChannelSecurity? security = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            EnableMultipleHttp2Connections = true,
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (tuned)
        {
            handler.InitialHttp2StreamWindowSize = Http2Tuning.StreamWindowBytes;
        }
        security?.Apply(handler);
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = maxMessageBytes,
            MaxSendMessageSize = maxMessageBytes,
            LoggerFactory = loggerFactory,
        });
    }
}
