namespace Federated.Federation.Transport;

/// <summary>
/// HTTP/2 flow-control and framing values used by both ends when transport tuning is on. The defaults of Kestrel
/// and SocketsHttpHandler suit many small messages; an update is a few large ones, which the defaults throttle by
/// waiting for WINDOW_UPDATE frames every few hundred KiB. See docs/performance.md for the measurements.
/// </summary>
public static class Http2Tuning
{
    /// <summary>Per-stream receive window advertised by both sides (bytes in flight on one call).</summary>
    public const int StreamWindowBytes = 16 * 1024 * 1024;

    /// <summary>Connection-wide receive window advertised by the coordinator (shared by all calls).</summary>
    public const int ConnectionWindowBytes = 64 * 1024 * 1024;

    /// <summary>Largest HTTP/2 frame the coordinator accepts (the protocol's default is 16 KiB).</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    /// <summary>Default chunk size of payload transfers: large enough to amortise per-message costs.</summary>
    public const int DefaultChunkBytes = 1024 * 1024;

    /// <summary>Room for the protobuf framing around a chunk's data in a gRPC message.</summary>
    public const int MessageOverheadBytes = 64 * 1024;
}
