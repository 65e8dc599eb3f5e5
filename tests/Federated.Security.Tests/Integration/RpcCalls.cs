using Federated.Federation;
using Federated.Federation.Security;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Rpc = Federated.Federation.V1.Federation;

namespace Federated.Security.Tests.Integration;

/// <summary>One well-formed call per RPC the coordinator serves, keyed like <c>RolePolicy.Table</c>.</summary>
internal static class RpcCalls
{
    /// <summary>Calls one RPC as <paramref name="caller"/>; <paramref name="session"/> is a session token the caller may use.</summary>
    public delegate Task Call(MatrixCaller caller, string session, SharedLayoutInfo layout, CancellationToken ct);

    internal sealed record SharedLayoutInfo(Federated.Core.Federation.SharedLayout Layout);

    public static IReadOnlyDictionary<string, Call> All { get; } = new Dictionary<string, Call>(StringComparer.Ordinal)
    {
        ["/federated.v1.Federation/Join"] = async (c, _, l, ct) =>
            await new Federated.Federation.Client.FederationClient(c.Invoker).JoinAsync(c.Name, l.Layout, ct),
        ["/federated.v1.Federation/WatchTasks"] = async (c, s, _, ct) =>
        {
            using var call = new Rpc.FederationClient(c.Invoker).WatchTasks(new WatchTasksRequest { SessionToken = s }, cancellationToken: ct);
            await foreach (var item in call.ResponseStream.ReadAllAsync(ct))
            {
            }
        },
        ["/federated.v1.Federation/DownloadGlobalModel"] = async (c, s, _, ct) =>
        {
            using var call = new Rpc.FederationClient(c.Invoker).DownloadGlobalModel(new DownloadGlobalModelRequest { SessionToken = s, ModelVersion = 0 }, cancellationToken: ct);
            await foreach (var item in call.ResponseStream.ReadAllAsync(ct))
            {
            }
        },
        ["/federated.v1.Federation/UploadUpdate"] = async (c, s, _, ct) =>
        {
            using var call = new Rpc.FederationClient(c.Invoker).UploadUpdate(cancellationToken: ct);
            await SendThenCompleteAsync(call.RequestStream, new UploadUpdatePart
            {
                Header = new UpdateHeader { SessionToken = s, Round = 1, Encoding = UpdateEncodings.Float32LittleEndian, TotalBytes = 4, SampleCount = 1, IdempotencyKey = "matrix" },
            }, ct);
            await call.ResponseAsync;
        },
        ["/federated.v1.Federation/ReportEvaluation"] = async (c, s, _, ct) =>
            await new Rpc.FederationClient(c.Invoker).ReportEvaluationAsync(new ReportEvaluationRequest { SessionToken = s, Round = 1, ModelVersion = 1 }, cancellationToken: ct),
        // Encrypted-round RPCs, called with empty messages: the service refuses them, after authorization.
        ["/federated.v1.Federation/SubmitKeyMaterial"] = (c, _, _, ct) => RawUnary(c.Invoker, "federated.v1.Federation", "SubmitKeyMaterial", ct),
        ["/federated.v1.Federation/DownloadKeyMaterial"] = (c, _, _, ct) => RawStream(c.Invoker, "federated.v1.Federation", "DownloadKeyMaterial", ct),
        ["/federated.v1.Federation/DownloadAggregate"] = (c, _, _, ct) => RawStream(c.Invoker, "federated.v1.Federation", "DownloadAggregate", ct),
        ["/federated.v1.Federation/ConfirmDecryption"] = (c, _, _, ct) => RawUnary(c.Invoker, "federated.v1.Federation", "ConfirmDecryption", ct),
        ["/federated.v1.Federation/UploadDecryptionShare"] = (c, _, _, ct) => RawClientStream(c.Invoker, "federated.v1.Federation", "UploadDecryptionShare", ct),
        ["/federated.v1.Federation/GetUploadStatus"] = async (c, s, _, ct) =>
            await new Rpc.FederationClient(c.Invoker).GetUploadStatusAsync(new GetUploadStatusRequest { SessionToken = s, Round = 1, IdempotencyKey = "matrix" }, cancellationToken: ct),
        ["/federated.v1.Federation/GetRoundStatus"] = async (c, _, _, ct) =>
            await new Rpc.FederationClient(c.Invoker).GetRoundStatusAsync(new GetRoundStatusRequest(), cancellationToken: ct),
        ["/federated.v1.Federation/GetReport"] = async (c, _, _, ct) =>
            await new Rpc.FederationClient(c.Invoker).GetReportAsync(new GetReportRequest(), cancellationToken: ct),
        // No fairness cohorts in the matrix run: an allowed caller passes authorization and gets NOT_FOUND.
        ["/federated.v1.Federation/GetFairnessReport"] = async (c, _, _, ct) =>
            await new Rpc.FederationClient(c.Invoker).GetFairnessReportAsync(new GetFairnessReportRequest(), cancellationToken: ct),

        ["/federated.v1.FederationAdmin/WhoAmI"] = async (c, _, _, ct) =>
            await Admin(c).WhoAmIAsync(new WhoAmIRequest(), cancellationToken: ct),
        ["/federated.v1.FederationAdmin/StartRun"] = async (c, _, _, ct) =>
            await Admin(c).StartRunAsync(new StartRunRequest(), cancellationToken: ct),
        ["/federated.v1.FederationAdmin/StopRun"] = async (c, _, _, ct) =>
            await Admin(c).StopRunAsync(new StopRunRequest { Reason = "matrix" }, cancellationToken: ct),
        ["/federated.v1.FederationAdmin/UpdateConfig"] = async (c, _, _, ct) =>
            await Admin(c).UpdateConfigAsync(new UpdateConfigRequest { Settings = { ["LocalSteps"] = "3" } }, cancellationToken: ct),
        ["/federated.v1.FederationAdmin/Enroll"] = async (c, _, _, ct) =>
            await Admin(c).EnrollAsync(new EnrollRequest { Name = "new-" + Guid.NewGuid().ToString("N")[..8], Role = IdentityRole.Researcher, ValidityDays = 1 }, cancellationToken: ct),
        ["/federated.v1.FederationAdmin/Revoke"] = async (c, _, _, ct) =>
            await Admin(c).RevokeAsync(new RevokeRequest { Name = "victim-" + Guid.NewGuid().ToString("N")[..8], Reason = "matrix" }, cancellationToken: ct),

        ["/grpc.health.v1.Health/Check"] = (c, _, _, ct) => RawUnary(c.Invoker, "grpc.health.v1.Health", "Check", ct),
        ["/grpc.health.v1.Health/Watch"] = (c, _, _, ct) => RawFirstOfStream(c.Invoker, "grpc.health.v1.Health", "Watch", ct),
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = (c, _, _, ct) => RawReflection(c.Invoker, "grpc.reflection.v1alpha.ServerReflection", ct),
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = (c, _, _, ct) => RawReflection(c.Invoker, "grpc.reflection.v1.ServerReflection", ct),
    };

    private static FederationAdmin.FederationAdminClient Admin(MatrixCaller c) => new(c.Invoker);

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    private static async Task RawUnary(CallInvoker invoker, string service, string method, CancellationToken ct)
    {
        var m = new Method<byte[], byte[]>(MethodType.Unary, service, method, Bytes, Bytes);
        await invoker.AsyncUnaryCall(m, null, new CallOptions(cancellationToken: ct), []);
    }

    private static async Task RawStream(CallInvoker invoker, string service, string method, CancellationToken ct)
    {
        var m = new Method<byte[], byte[]>(MethodType.ServerStreaming, service, method, Bytes, Bytes);
        using var call = invoker.AsyncServerStreamingCall(m, null, new CallOptions(cancellationToken: ct), []);
        while (await call.ResponseStream.MoveNext(ct))
        {
        }
    }

    private static async Task RawClientStream(CallInvoker invoker, string service, string method, CancellationToken ct)
    {
        var m = new Method<byte[], byte[]>(MethodType.ClientStreaming, service, method, Bytes, Bytes);
        using var call = invoker.AsyncClientStreamingCall(m, null, new CallOptions(cancellationToken: ct));
        await SendThenCompleteAsync(call.RequestStream, null, ct);
        await call.ResponseAsync;
    }

    private static async Task RawFirstOfStream(CallInvoker invoker, string service, string method, CancellationToken ct)
    {
        var m = new Method<byte[], byte[]>(MethodType.ServerStreaming, service, method, Bytes, Bytes);
        using var call = invoker.AsyncServerStreamingCall(m, null, new CallOptions(cancellationToken: ct), []);
        // Health/Watch streams until cancelled: one answer is enough to know the call was let through.
        await call.ResponseStream.MoveNext(ct);
    }

    private static async Task RawReflection(CallInvoker invoker, string service, CancellationToken ct)
    {
        var m = new Method<byte[], byte[]>(MethodType.DuplexStreaming, service, "ServerReflectionInfo", Bytes, Bytes);
        using var call = invoker.AsyncDuplexStreamingCall(m, null, new CallOptions(cancellationToken: ct));
        // ServerReflectionRequest { list_services = "" }: field 7, length-delimited, empty.
        await SendThenCompleteAsync(call.RequestStream, [0x3A, 0x00], ct);
        while (await call.ResponseStream.MoveNext(ct))
        {
        }
    }

    /// <summary>
    /// Writes (when given) and completes the request stream. When the server has already refused the call, writing
    /// fails with a status that lacks the trailers; the caller then reads the response to get the real status.
    /// </summary>
    private static async Task SendThenCompleteAsync<T>(IClientStreamWriter<T> writer, T? message, CancellationToken ct)
        where T : class
    {
        try
        {
            if (message is not null)
            {
                await writer.WriteAsync(message, ct);
            }
            await writer.CompleteAsync();
        }
        catch (RpcException)
        {
            // The call already ended; its status (with trailers) comes with the response.
        }
        catch (InvalidOperationException)
        {
            // Same: the request stream was closed by the server's answer.
        }
    }

    /// <summary>Null when the call got past authorization (whatever the service answered); else the refusal's status.</summary>
    public static async Task<RpcException?> RefusalAsync(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (RpcException ex) when (ex.Trailers.GetValue(Coordinator.Security.AuthorizationInterceptor.DeniedByTrailer) == "authorization")
        {
            return ex;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    public static ByteString Empty => ByteString.Empty;
}
