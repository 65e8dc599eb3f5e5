using Federated.Federation.Client;
using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Rpc = Federated.Federation.V1.Federation;

namespace Federated.Federation.Tests.Integration;

/// <summary>
/// Malformed and hostile calls against a running federation: each gets its precise status and message, and the
/// run still completes its rounds afterwards.
/// </summary>
public class BadInputTests
{
    private const int Length = 1024; // 4 KiB updates: 4 chunks of 1 KiB

    [Fact]
    public async Task BadCalls_GetPreciseStatuses_AndTheRunStillCompletes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        await using var federation = await TestFederation.StartAsync(Length, minParticipants: 3, rounds: 2, new Dictionary<string, string?>
        {
            ["Federation:ChunkBytes"] = "1024",
            ["Federation:MaxChunkBytes"] = "2048",
            ["Federation:MaxUpdateBytes"] = "8192",
            ["Federation:AllowedSites:0"] = "site-a",
            ["Federation:AllowedSites:1"] = "site-b",
            ["Federation:AllowedSites:2"] = "site-c",
        });
        var rpc = new Rpc.FederationClient(federation.Channel());
        var layout = federation.Source.Layout.ToWire();

        // Before any round: join-time checks.
        var wrongVersion = await Assert.ThrowsAsync<RpcException>(() => rpc.JoinAsync(Join("site-c", layout, major: 2), cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, wrongVersion.StatusCode);
        Assert.Equal("protocol_version: the coordinator speaks 1.0, the participant sent 2.0; major versions must match", wrongVersion.Status.Detail);

        var unknownSite = await Assert.ThrowsAsync<RpcException>(() => rpc.JoinAsync(Join("intruder", layout), cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknownSite.StatusCode);
        Assert.StartsWith("site_id \"intruder\" is not registered for run ", unknownSite.Status.Detail, StringComparison.Ordinal);

        var wrongLayout = await Assert.ThrowsAsync<RpcException>(() => rpc.JoinAsync(Join("site-c", new ModelLayout { Name = "quadratic", Version = 1, Length = 7 }), cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, wrongLayout.StatusCode);
        Assert.Equal("model_layout: the coordinator expects quadratic/v1 (1024 floats), the participant has quadratic/v1 (7 floats)", wrongLayout.Status.Detail);

        var unknownSession = await UploadAsync(rpc, Header("not-a-token", round: 1), [], ct);
        Assert.Equal(StatusCode.Unauthenticated, unknownSession.StatusCode);
        Assert.Equal("session_token is unknown or was replaced by a later Join; call Join first", unknownSession.Status.Detail);

        // Two honest participants and a probe that joins and waits for its round-1 task.
        var honest = new[] { federation.Worker("site-a", 0, out _).RunAsync(ct), federation.Worker("site-b", 1, out _).RunAsync(ct) };
        var session = await rpc.JoinAsync(Join("site-c", layout), cancellationToken: ct);
        using (var watch = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            using var tasks = rpc.WatchTasks(new WatchTasksRequest { SessionToken = session.SessionToken }, cancellationToken: watch.Token);
            Assert.True(await tasks.ResponseStream.MoveNext(ct));
            var train = tasks.ResponseStream.Current.Train;
            Assert.NotNull(train);
            Assert.Equal(1UL, train.Round);

            var payload = UpdateEncodings.EncodeFloat32(new float[Length]);
            var chunks = PayloadChunks.Split(payload, 1024).ToList();

            var wrongRound = await UploadAsync(rpc, Header(session.SessionToken, round: 7, total: payload.Length), chunks, ct);
            Assert.Equal(StatusCode.FailedPrecondition, wrongRound.StatusCode);
            Assert.Equal("round: expected 1, got 7", wrongRound.Status.Detail);

            var outOfOrder = await UploadAsync(rpc, Header(session.SessionToken, round: 1, total: payload.Length), [chunks[0], chunks[2]], ct);
            Assert.Equal(StatusCode.InvalidArgument, outOfOrder.StatusCode);
            Assert.Equal("update chunk.index out of order: expected 1, got 2", outOfOrder.Status.Detail);

            var bigChunk = new Chunk { Index = 0, Offset = 0, Data = ByteString.CopyFrom(new byte[2049]) };
            var oversizedChunk = await UploadAsync(rpc, Header(session.SessionToken, round: 1, total: payload.Length), [bigChunk], ct);
            Assert.Equal(StatusCode.ResourceExhausted, oversizedChunk.StatusCode);
            Assert.Equal("update chunk 0 has 2049 bytes; the limit is 2048 bytes per chunk", oversizedChunk.Status.Detail);

            var oversizedTotal = await UploadAsync(rpc, Header(session.SessionToken, round: 1, total: 1 << 20), chunks, ct);
            Assert.Equal(StatusCode.ResourceExhausted, oversizedTotal.StatusCode);
            Assert.Equal("total_bytes 1048576 exceeds the limit of 8192 bytes", oversizedTotal.Status.Detail);

            var badDigest = await UploadAsync(rpc, Header(session.SessionToken, round: 1, total: payload.Length), chunks, ct, PayloadChunks.Digest([1, 2, 3]));
            Assert.Equal(StatusCode.InvalidArgument, badDigest.StatusCode);

            var nonFinite = UpdateEncodings.EncodeFloat32(Enumerable.Repeat(float.PositiveInfinity, Length).ToArray());
            var infinite = await UploadAsync(rpc, Header(session.SessionToken, round: 1, total: nonFinite.Length), PayloadChunks.Split(nonFinite, 1024).ToList(), ct, PayloadChunks.Digest(nonFinite));
            Assert.Equal(StatusCode.InvalidArgument, infinite.StatusCode);
            Assert.Equal("update payload: element 0 is not a finite number (Infinity)", infinite.Status.Detail);

            var earlyReport = await Assert.ThrowsAsync<RpcException>(() => rpc.ReportEvaluationAsync(new ReportEvaluationRequest
            {
                SessionToken = session.SessionToken, Round = 1, ModelVersion = 1, Sums = new V1.EvaluationSums { Count = 1 },
            }, cancellationToken: ct).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, earlyReport.StatusCode);
            Assert.Equal("round 1 is not collecting evaluations: its phase is Training", earlyReport.Status.Detail);

            // Nothing was accepted from the probe; the round is still waiting for site-c.
            var status = await rpc.GetRoundStatusAsync(new GetRoundStatusRequest(), cancellationToken: ct);
            Assert.Equal(V1.RoundPhase.Training, status.Phase);
            Assert.DoesNotContain("site-c", status.ReceivedSites);
            await watch.CancelAsync();
        }

        // site-c restarts as a real participant: its rejoin gets the current round-1 task, and the run completes.
        var siteC = federation.Worker("site-c", 2, out _).RunAsync(ct);
        var results = await Task.WhenAll([.. honest, siteC]);

        Assert.All(results, r => Assert.True(r.Completed));
        var records = federation.Coordinator.Run.Records;
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(["site-a", "site-b", "site-c"], r.Participants));
        Assert.Equal(2UL, federation.Coordinator.Run.RoundsCompleted);

        var stale = await Assert.ThrowsAsync<RpcException>(() => rpc.WatchTasks(new WatchTasksRequest { SessionToken = session.SessionToken }, cancellationToken: ct).ResponseStream.MoveNext(ct));
        Assert.Equal(StatusCode.Unauthenticated, stale.StatusCode);
    }

    private static JoinRequest Join(string site, ModelLayout layout, uint major = ProtocolInfo.Major) => new()
    {
        ProtocolVersion = new ProtocolVersion { Major = major, Minor = 0 },
        SiteId = site,
        ModelLayout = layout,
        Capabilities = new Capabilities { UpdateEncodings = { UpdateEncodings.Float32LittleEndian } },
    };

    private static UpdateHeader Header(string token, ulong round, long total = Length * 4) => new()
    {
        SessionToken = token,
        Round = round,
        IdempotencyKey = Guid.NewGuid().ToString("N"),
        Encoding = UpdateEncodings.Float32LittleEndian,
        TotalBytes = (ulong)total,
        SampleCount = 10,
        BaseModelVersion = 0,
    };

    /// <summary>Sends a header, chunks and a trailer; returns the RpcException the call ends with.</summary>
    private static async Task<RpcException> UploadAsync(Rpc.FederationClient rpc, UpdateHeader header, IReadOnlyList<Chunk> chunks, CancellationToken ct, PayloadDigest? digest = null)
    {
        using var call = rpc.UploadUpdate(cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(new UploadUpdatePart { Header = header }, ct);
            foreach (var chunk in chunks)
            {
                await call.RequestStream.WriteAsync(new UploadUpdatePart { Chunk = chunk }, ct);
            }
            await call.RequestStream.WriteAsync(new UploadUpdatePart { Trailer = digest ?? PayloadChunks.Digest([]) }, ct);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server may end the call before everything is written; its status is read below.
        }
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
    }
}
