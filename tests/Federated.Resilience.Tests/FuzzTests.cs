using System.Security.Cryptography;
using Federated.Coordinator.Hosting;
using Federated.Core.Federation;
using Federated.Federation;
using Federated.Federation.Client;
using Federated.Federation.Transport;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Rpc = Federated.Federation.V1.Federation;

namespace Federated.Resilience.Tests;

/// <summary>
/// Thousands of malformed and random messages to every RPC of a live coordinator in the middle of a round: it
/// stays up, answers each with a precise status (bytes that are not a protobuf message at all fail in the gRPC
/// framework's deserializer, before any coordinator code, and come back UNKNOWN/INTERNAL),
/// keeps no partial upload, its state (round, phase, updates received, records, model, stored rows) does not move,
/// and the round then completes normally.
/// </summary>
public sealed class FuzzTests
{
    private const int Length = 16;
    private const int Iterations = 150;

    private static readonly StatusCode[] Precise =
    [
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.FailedPrecondition, StatusCode.Unauthenticated, StatusCode.PermissionDenied,
        StatusCode.NotFound, StatusCode.ResourceExhausted, StatusCode.Unimplemented, StatusCode.OutOfRange, StatusCode.AlreadyExists,
    ];

    [Fact]
    public async Task MalformedAndRandomMessages_ToEveryRpc_StateUnchangedAndRoundCompletes()
    {
        string dir = Sites.TempDir("fuzz");
        var settings = new Dictionary<string, string?>(Sites.RunSettings(participants: 2, rounds: 1, Length).ToDictionary(p => p.Key, p => (string?)p.Value))
        {
            ["Federation:OutDir"] = dir,
            ["Federation:ExitWhenComplete"] = "false",
            ["Federation:MaxUpdateBytes"] = "65536",
            ["Federation:ChunkBytes"] = "1024",
            ["Federation:MaxChunkBytes"] = "4096",
            ["Persistence:Enabled"] = "true",
            ["Security:AllowInsecureLoopback"] = "true",
        };
        await using var coordinator = await InProcessCoordinator.StartAsync(settings, quiet: true);
        using var channel = FederationChannel.Create(coordinator.Address);
        var layout = new SharedLayout("synthetic", 1, Length);
        var run = coordinator.Run;

        // Two honest sites; "fuzz" is selected for round 1 and its session is the fuzzer's.
        var honest = new FederationClient(channel.CreateCallInvoker());
        var fuzz = new FederationClient(channel.CreateCallInvoker());
        await honest.JoinAsync("honest", layout, default);
        await fuzz.JoinAsync("fuzz", layout, default);
        using var streams = new CancellationTokenSource();
        var honestTasks = honest.WatchTasksAsync(streams.Token).GetAsyncEnumerator(streams.Token);
        var fuzzTasks = fuzz.WatchTasksAsync(streams.Token).GetAsyncEnumerator(streams.Token);
        var firstHonest = honestTasks.MoveNextAsync().AsTask();
        var firstFuzz = fuzzTasks.MoveNextAsync().AsTask();
        Assert.True(await firstHonest);
        Assert.True(await firstFuzz);
        var train = fuzzTasks.Current.Train;
        Assert.NotNull(train);
        var honestDelta = new float[Length];
        Array.Fill(honestDelta, 0.5f);
        await honest.UploadUpdateAsync(Header(train, "honest-1"), UpdateEncodings.EncodeFloat32(honestDelta), 1024, default);

        string before = Snapshot(coordinator);
        var statuses = new Dictionary<string, Dictionary<StatusCode, int>>(StringComparer.Ordinal);
        var raw = new Rpc.FederationClient(channel);
        string token = fuzz.Session.SessionToken;
        int calls = 0;
        for (int i = 0; i < Iterations; i++)
        {
            string t = i % 3 == 0 ? RandomText(i % 70) : token;
            await Expect(statuses, "Join", () => raw.JoinAsync(MalformedJoin(i, layout)).ResponseAsync);
            await Expect(statuses, "WatchTasks", () => Drain(raw.WatchTasks(new WatchTasksRequest { SessionToken = RandomText(1 + (i % 64)) }, deadline: DateTime.UtcNow.AddSeconds(5))));
            await Expect(statuses, "DownloadGlobalModel", () => Drain(raw.DownloadGlobalModel(new DownloadGlobalModelRequest { SessionToken = t, ModelVersion = 1000 + (ulong)RandomNumberGenerator.GetInt32(1 << 20) })));
            await Expect(statuses, "UploadUpdate", () => MalformedUpload(raw, t, train, i));
            await Expect(statuses, "ReportEvaluation", () => raw.ReportEvaluationAsync(MalformedEvaluation(t, i)).ResponseAsync);
            await Expect(statuses, "GetRoundStatus", () => raw.GetRoundStatusAsync(new GetRoundStatusRequest { SessionToken = t, Round = (ulong)RandomNumberGenerator.GetInt32(int.MaxValue) }).ResponseAsync);
            await Expect(statuses, "GetReport", () => raw.GetReportAsync(new GetReportRequest { SessionToken = t }).ResponseAsync);
            await Expect(statuses, "GetUploadStatus", () => raw.GetUploadStatusAsync(new GetUploadStatusRequest { SessionToken = t, Round = (ulong)(i % 3), IdempotencyKey = RandomText(i % 300) }).ResponseAsync);
            await Expect(statuses, "SubmitKeyMaterial", () => raw.SubmitKeyMaterialAsync(MalformedKeyMaterial(t, i)).ResponseAsync);
            await Expect(statuses, "DownloadKeyMaterial", () => Drain(raw.DownloadKeyMaterial(new DownloadKeyMaterialRequest { SessionToken = t, Epoch = (uint)i })));
            await Expect(statuses, "DownloadAggregate", () => Drain(raw.DownloadAggregate(new DownloadAggregateRequest { SessionToken = t, Round = 1, Attempt = (uint)i, Purpose = (AggregatePurpose)(i % 4) })));
            await Expect(statuses, "ConfirmDecryption", () => raw.ConfirmDecryptionAsync(new ConfirmDecryptionRequest { SessionToken = t, Round = 1, Attempt = 1, Purpose = (AggregatePurpose)(i % 4), AggregateSha256 = RandomBytes(i % 40), Refusal = RandomText(i % 400) }).ResponseAsync);
            await Expect(statuses, "UploadDecryptionShare", () => MalformedShare(raw, t, i));
            await Expect(statuses, "Admin.WhoAmI", () => new FederationAdmin.FederationAdminClient(channel).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
            await Expect(statuses, "Admin.UpdateConfig", () => new FederationAdmin.FederationAdminClient(channel).UpdateConfigAsync(MalformedConfig(i)).ResponseAsync);
            await Expect(statuses, "Admin.Enroll", () => new FederationAdmin.FederationAdminClient(channel).EnrollAsync(new EnrollRequest { Name = "bad name/" + RandomText(i % 20), Role = (IdentityRole)(i % 7) }).ResponseAsync);
            await Expect(statuses, "Admin.Revoke", () => new FederationAdmin.FederationAdminClient(channel).RevokeAsync(new RevokeRequest { Name = "bad name/" + RandomText(i % 20) }).ResponseAsync);
            // Bytes that are not a message at all, to every unary method.
            foreach (var method in new[] { "Join", "ReportEvaluation", "GetUploadStatus", "SubmitKeyMaterial", "ConfirmDecryption" })
            {
                await ExpectRaw(statuses, channel, method, i);
            }
            calls += 22;
        }

        Assert.True(calls >= 3000, $"{calls} calls");
        var unexpected = statuses.SelectMany(s => s.Value.Where(c => !Precise.Contains(c.Key) && !(c.Key is StatusCode.Internal or StatusCode.Unknown && s.Key.StartsWith("raw.", StringComparison.Ordinal)))
            .Select(c => $"{s.Key}: {c.Key} x{c.Value}")).ToArray();
        Assert.True(unexpected.Length == 0, string.Join("; ", unexpected) + " | " + Describe(statuses));
        Assert.Equal(before, Snapshot(coordinator));
        Assert.Equal(0, run.PartialUploadCount);

        // A normal round still completes: the fuzz site uploads a valid update, both evaluate.
        var fuzzDelta = new float[Length];
        Array.Fill(fuzzDelta, 1f);
        var accepted = await fuzz.UploadUpdateAsync(Header(train, "fuzz-valid"), UpdateEncodings.EncodeFloat32(fuzzDelta), 1024, default);
        Assert.True(accepted.Response.Accepted);
        foreach (var (client, tasks) in new[] { (honest, honestTasks), (fuzz, fuzzTasks) })
        {
            Assert.True(await tasks.MoveNextAsync());
            var evaluate = tasks.Current.Evaluate;
            Assert.NotNull(evaluate);
            await client.ReportEvaluationAsync(evaluate.Round, evaluate.GlobalModel.ModelVersion, new Federated.Core.Federation.EvaluationSums(10, 1, 1, 0), default);
        }
        var ended = await run.Ended.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(ended.Completed, ended.Reason);
        var record = Assert.Single(run.Records);
        Assert.Equal(["fuzz", "honest"], record.Participants);
        await streams.CancelAsync();
    }

    private static UpdateHeader Header(TrainTask train, string key) => new()
    {
        Round = train.Round,
        IdempotencyKey = key,
        Encoding = UpdateEncodings.Float32LittleEndian,
        SampleCount = 10,
        TrainLoss = 1,
        BaseModelVersion = train.GlobalModel.ModelVersion,
    };

    /// <summary>What must not move: the round's state, the records, the model and the store's rows.</summary>
    private static string Snapshot(InProcessCoordinator coordinator)
    {
        var run = coordinator.Run;
        var status = run.GetStatus(0);
        status.ConnectedParticipants = 0; // the fuzzer's own streams come and go
        var store = run.StateStore!;
        return string.Join("|", status.ToString(), run.Records.Count, run.CurrentModel.Ref.ModelVersion, Convert.ToHexString(run.CurrentModel.Ref.Sha256.Span),
            store.Count("participants"), store.Count("rounds"), store.Count("checkpoints"), run.RoundsCompleted);
    }

    private static JoinRequest MalformedJoin(int i, SharedLayout layout)
    {
        var request = new JoinRequest
        {
            ProtocolVersion = new ProtocolVersion { Major = 1, Minor = (uint)i },
            SiteId = "site-" + i,
            ModelLayout = layout.ToWire(),
            Capabilities = new Capabilities(),
        };
        request.Capabilities.UpdateEncodings.Add(UpdateEncodings.Float32LittleEndian);
        // Always at least one fault, so no fuzz call is a valid join.
        switch (i % 6)
        {
            case 0: request.ProtocolVersion = null; break;
            case 1: request.ProtocolVersion.Major = (uint)(2 + i); break;
            case 2: request.SiteId = RandomText(65 + (i % 10)); break;
            case 3: request.ModelLayout.Length = (ulong)(Length + 1 + i); break;
            case 4: request.Capabilities.UpdateEncodings.Clear(); request.Capabilities.UpdateEncodings.Add(RandomText(8)); break;
            default: request.SiteId = "bad id " + RandomText(5); break;
        }
        return request;
    }

    private static async Task MalformedUpload(Rpc.FederationClient raw, string token, TrainTask train, int i)
    {
        using var call = raw.UploadUpdate();
        var header = Header(train, "fuzz-" + i);
        header.SessionToken = token;
        header.TotalBytes = Length * 4;
        var payload = new byte[Length * 4];
        RandomNumberGenerator.Fill(payload);
        var digest = ByteString.CopyFrom(SHA256.HashData(payload));
        var parts = new List<UploadUpdatePart>();
        switch (i % 12)
        {
            case 0 when i % 24 == 0: parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 0, Data = ByteString.CopyFrom(payload) } }); break; // no header
            case 0: header.TrainLoss = double.PositiveInfinity; parts.Add(new UploadUpdatePart { Header = header }); break;
            case 1: header.Encoding = RandomText(6); parts.Add(new UploadUpdatePart { Header = header }); break;
            case 2: header.TotalBytes = ulong.MaxValue - (ulong)i; parts.Add(new UploadUpdatePart { Header = header }); break;
            case 3: header.Round = 99; parts.Add(new UploadUpdatePart { Header = header }); break;
            case 4: // chunks out of order
                parts.Add(new UploadUpdatePart { Header = header });
                parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 1, Data = ByteString.CopyFrom(payload) } });
                break;
            case 5: // wrong offset
                parts.Add(new UploadUpdatePart { Header = header });
                parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 0, Offset = 7, Data = ByteString.CopyFrom(payload) } });
                break;
            case 6: // oversized chunk
                header.TotalBytes = 8192;
                parts.Add(new UploadUpdatePart { Header = header });
                parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 0, Data = ByteString.CopyFrom(new byte[8192]) } });
                break;
            case 7: // digest mismatch
                parts.Add(new UploadUpdatePart { Header = header });
                parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 0, Data = ByteString.CopyFrom(payload) } });
                parts.Add(new UploadUpdatePart { Trailer = new PayloadDigest { Algorithm = "sha256", Value = RandomBytes(32) } });
                break;
            case 8: // NaN values under a correct digest
                var nan = UpdateEncodings.EncodeFloat32(Enumerable.Repeat(float.NaN, Length).ToArray());
                parts.Add(new UploadUpdatePart { Header = header });
                parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 0, Data = ByteString.CopyFrom(nan) } });
                parts.Add(new UploadUpdatePart { Trailer = new PayloadDigest { Algorithm = "sha256", Value = ByteString.CopyFrom(SHA256.HashData(nan)) } });
                break;
            case 9: // something after the trailer
                parts.Add(new UploadUpdatePart { Header = header });
                parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 0, Data = ByteString.CopyFrom(payload) } });
                parts.Add(new UploadUpdatePart { Trailer = new PayloadDigest { Algorithm = "md5", Value = digest } });
                parts.Add(new UploadUpdatePart { Header = header });
                break;
            case 10: // resume of nothing
                header.ResumeFromChunk = (uint)(1 + i);
                parts.Add(new UploadUpdatePart { Header = header });
                break;
            default: // truncated: the stream ends before the declared total
                parts.Add(new UploadUpdatePart { Header = header });
                parts.Add(new UploadUpdatePart { Chunk = new Chunk { Index = 0, Data = ByteString.CopyFrom(payload, 0, 8) } });
                break;
        }
        try
        {
            foreach (var part in parts)
            {
                await call.RequestStream.WriteAsync(part);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server already answered; the status is read below.
        }
        catch (InvalidOperationException)
        {
            // Writing after the call completed.
        }
        await call.ResponseAsync;
    }

    private static ReportEvaluationRequest MalformedEvaluation(string token, int i)
    {
        var request = new ReportEvaluationRequest { SessionToken = token, Round = (ulong)(i % 3), ModelVersion = (ulong)(i % 5) };
        switch (i % 4)
        {
            case 0: break; // nothing set
            case 1: request.Sums = new Federated.Federation.V1.EvaluationSums { Count = -i, SumSquaredError = double.NaN }; break;
            case 2: request.EncodedSums = new EncodedPayload { Encoding = RandomText(7), Data = RandomBytes(i % 100) }; break;
            default: request.Sums = new Federated.Federation.V1.EvaluationSums { Count = i, SumSquaredError = double.PositiveInfinity, SumAbsoluteError = -1 }; break;
        }
        return request;
    }

    private static SubmitKeyMaterialRequest MalformedKeyMaterial(string token, int i)
    {
        var request = new SubmitKeyMaterialRequest { SessionToken = token, Epoch = (uint)i };
        switch (i % 5)
        {
            case 0: request.Commitment = new SeedCommitment { Commitment = RandomBytes(i % 40), ExchangePublicKey = RandomBytes(i % 600) }; break;
            case 1: request.Contribution = RandomBytes(i % 64); break;
            case 2: request.PublicKeyShare = new PublicKeyShareUpload { Share = RandomBytes(i % 200) }; break;
            case 3: request.SealedShare = new SealedShare { FromParty = (uint)i, ToParty = (uint)(i * 7), Ciphertext = RandomBytes(i % 100) }; break;
            default: break;
        }
        return request;
    }

    private static async Task MalformedShare(Rpc.FederationClient raw, string token, int i)
    {
        using var call = raw.UploadDecryptionShare();
        try
        {
            await call.RequestStream.WriteAsync(i % 2 == 0
                ? new DecryptionSharePart { Header = new DecryptionShareHeader { SessionToken = token, Round = 1, Attempt = (uint)i, Purpose = (AggregatePurpose)(i % 4), TotalBytes = (ulong)i * 1_000_003 } }
                : new DecryptionSharePart { Chunk = new Chunk { Index = (uint)i, Data = RandomBytes(1 + (i % 50)) } });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        await call.ResponseAsync;
    }

    private static UpdateConfigRequest MalformedConfig(int i)
    {
        var request = new UpdateConfigRequest();
        request.Settings.Add("No" + RandomText(1 + (i % 10)), RandomText(i % 10));
        return request;
    }

    private static async Task ExpectRaw(Dictionary<string, Dictionary<StatusCode, int>> statuses, Grpc.Net.Client.GrpcChannel channel, string method, int i)
    {
        var m = new Method<byte[], byte[]>(MethodType.Unary, "federated.v1.Federation", method, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        // 0xFF... is never a valid protobuf message (field 0 / bad wire type), so these bytes cannot act.
        var garbage = new byte[1 + (i % 64)];
        RandomNumberGenerator.Fill(garbage);
        garbage[0] = 0xFF;
        await Expect(statuses, "raw." + method, () => channel.CreateCallInvoker().AsyncUnaryCall(m, null, new CallOptions(), garbage).ResponseAsync);
    }

    private static async Task Drain<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        }
    }

    private static async Task Expect(Dictionary<string, Dictionary<StatusCode, int>> statuses, string rpc, Func<Task> call)
    {
        StatusCode code;
        try
        {
            await call();
            code = StatusCode.OK;
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
            if (code is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.ResourceExhausted)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail), $"{rpc}: {code} without a message");
            }
        }
        var counts = statuses.TryGetValue(rpc, out var c) ? c : statuses[rpc] = [];
        counts[code] = counts.GetValueOrDefault(code) + 1;
    }

    private static string Describe(Dictionary<string, Dictionary<StatusCode, int>> statuses) =>
        string.Join("; ", statuses.Select(s => s.Key + " " + string.Join(",", s.Value.Select(c => c.Key + "x" + c.Value))));

    private static string RandomText(int length)
    {
        const string alphabet = "abcXYZ019._-/ é\u0000\n";
        return string.Create(length, 0, (span, _) =>
        {
            for (int k = 0; k < span.Length; k++)
            {
                span[k] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    private static ByteString RandomBytes(int length) => ByteString.CopyFrom(RandomNumberGenerator.GetBytes(length));
}
