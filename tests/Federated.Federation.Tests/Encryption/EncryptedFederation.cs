using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Globalization;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Models;
using Federated.Federation.Client;
using Federated.Federation.Simulation;
using Federated.Federation.Transport;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federated.Federation.Tests.Encryption;

/// <summary>
/// A real coordinator on loopback in encrypted mode, with a recording interceptor: every request message the
/// coordinator receives, per call, exactly as it arrived (the "test double on the coordinator side").
/// </summary>
internal sealed class EncryptedFederation : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    private EncryptedFederation(InProcessCoordinator coordinator, SyntheticModelSource source, string outDir, TrafficRecorder recorder)
    {
        Coordinator = coordinator;
        Source = source;
        OutDir = outDir;
        Recorder = recorder;
    }

    public InProcessCoordinator Coordinator { get; }
    public SyntheticModelSource Source { get; }
    public string OutDir { get; }
    public TrafficRecorder Recorder { get; }

    public static async Task<EncryptedFederation> StartAsync(int length, int minParticipants, int rounds, params (string Key, string Value)[] extra)
    {
        string outDir = Path.Combine(Path.GetTempPath(), "federation-rlwe-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["Federation:Encryption"] = "rlwe",
            ["Federation:MinParticipants"] = minParticipants.ToString(CultureInfo.InvariantCulture),
            ["Federation:MinUpdatesPerRound"] = "2",
            ["Federation:Rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
            ["Federation:LocalSteps"] = "4",
            ["Federation:LearningRate"] = "0.1",
            ["Federation:RoundDeadline"] = "00:00:30",
            ["Federation:EvaluationDeadline"] = "00:00:30",
            ["Federation:ParticipantWaitTimeout"] = "00:00:30",
            ["Federation:Rlwe:CeremonyDeadline"] = "00:00:30",
            ["Federation:Rlwe:DecryptionDeadline"] = "00:00:30",
            ["Federation:OutDir"] = outDir,
            ["Security:AllowInsecureLoopback"] = "true",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        var recorder = new TrafficRecorder();
        var source = new SyntheticModelSource(length, "quadratic");
        var coordinator = await InProcessCoordinator.StartAsync(settings, source, quiet: true,
            configure: b =>
            {
                b.Services.AddSingleton(recorder);
                b.Services.AddGrpc(o => o.Interceptors.Add<RecordingInterceptor>());
            });
        return new EncryptedFederation(coordinator, source, outDir, recorder);
    }

    /// <summary>A quadratic participant (optimum near 5 + index); keys are kept after the run so tests can probe refusals.</summary>
    public ParticipantWorker Worker(int index, long samples = 100, IProgress<ParticipantEvent>? progress = null)
    {
        var channel = FederationChannel.Create(Coordinator.Address);
        _channels.Add(channel);
        var trainer = new QuadraticTrainer(Source.Layout, QuadraticTrainer.Target(Source.Layout.Length, 5f + index, index), samples);
        return new ParticipantWorker(new FederationClient(channel.CreateCallInvoker()), trainer,
            new ParticipantOptions { Coordinator = Coordinator.Address, SiteId = SiteId(index) }, progress: progress)
        {
            RetainKeysAfterRun = true,
        };
    }

    /// <summary>For runs started with Security:RequireOperatorStart: opens the start gate once <paramref name="count"/> participants watch tasks.</summary>
    public async Task StartWhenConnectedAsync(int count, CancellationToken cancellationToken)
    {
        Assert.NotNull(await Coordinator.Run.WaitForParticipantsAsync(count, TimeSpan.FromSeconds(30), cancellationToken));
        Coordinator.App.Services.GetRequiredService<Federated.Coordinator.Admin.RunControl>().RequestStart("test");
    }

    public static string SiteId(int index) => "site-" + index.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        await Coordinator.DisposeAsync();
        if (Directory.Exists(OutDir))
        {
            Directory.Delete(OutDir, recursive: true);
        }
    }
}

/// <summary>Every request message the coordinator received, grouped by call.</summary>
internal sealed class TrafficRecorder
{
    private readonly ConcurrentQueue<(string Method, IReadOnlyList<IMessage> Messages)> _calls = new();

    public IReadOnlyList<(string Method, IReadOnlyList<IMessage> Messages)> Calls => _calls.ToArray();

    public void Add(string method, IReadOnlyList<IMessage> messages) => _calls.Enqueue((method, messages));

    /// <summary>All received bytes, message by message, as they were on the wire.</summary>
    public IEnumerable<byte[]> AllBytes() => Calls.SelectMany(c => c.Messages).Select(m => m.ToByteArray());
}

internal sealed class RecordingInterceptor(TrafficRecorder recorder) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        recorder.Add(context.Method, [(IMessage)request]);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        recorder.Add(context.Method, [(IMessage)request]);
        return continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var messages = new List<IMessage>();
        try
        {
            return await continuation(new Recording<TRequest>(requestStream, messages), context);
        }
        finally
        {
            recorder.Add(context.Method, messages);
        }
    }

    private sealed class Recording<T>(IAsyncStreamReader<T> inner, List<IMessage> messages) : IAsyncStreamReader<T> where T : class
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            bool more = await inner.MoveNext(cancellationToken);
            if (more)
            {
                messages.Add((IMessage)inner.Current);
            }
            return more;
        }
    }
}
