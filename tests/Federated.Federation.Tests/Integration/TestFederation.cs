using System.Globalization;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Models;
using Federated.Federation.Client;
using Federated.Federation.Simulation;
using Federated.Federation.Transport;
using Grpc.Net.Client;

namespace Federated.Federation.Tests.Integration;

/// <summary>A real coordinator (Kestrel on 127.0.0.1, ephemeral port) plus helpers to attach participants.</summary>
internal sealed class TestFederation : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    private TestFederation(InProcessCoordinator coordinator, SyntheticModelSource source, string outDir)
    {
        Coordinator = coordinator;
        Source = source;
        OutDir = outDir;
    }

    public InProcessCoordinator Coordinator { get; }
    public SyntheticModelSource Source { get; }
    public string OutDir { get; }

    public static async Task<TestFederation> StartAsync(int length, int minParticipants, int rounds, IDictionary<string, string?>? extra = null)
    {
        string outDir = Path.Combine(Path.GetTempPath(), "federation-tests-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["Federation:MinParticipants"] = minParticipants.ToString(CultureInfo.InvariantCulture),
            ["Federation:Rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
            ["Federation:LocalSteps"] = "4",
            ["Federation:LearningRate"] = "0.1",
            ["Federation:RoundDeadline"] = "00:00:30",
            ["Federation:EvaluationDeadline"] = "00:00:30",
            ["Federation:ParticipantWaitTimeout"] = "00:00:30",
            ["Federation:OutDir"] = outDir,
            // Plaintext unless a test asks for "rlwe" (the encrypted tests live in Encryption/).
            ["Federation:Encryption"] = "none",
            ["Security:AllowInsecureLoopback"] = "true",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var source = new SyntheticModelSource(length, "quadratic");
        var coordinator = await InProcessCoordinator.StartAsync(settings, source, quiet: true);
        return new TestFederation(coordinator, source, outDir);
    }

    public GrpcChannel Channel()
    {
        var channel = FederationChannel.Create(Coordinator.Address);
        _channels.Add(channel);
        return channel;
    }

    /// <summary>A quadratic-loss participant whose optimum sits near 5 with a site-specific ripple.</summary>
    public ParticipantWorker Worker(string siteId, int index, out QuadraticTrainer trainer, long samples = 100)
    {
        trainer = new QuadraticTrainer(Source.Layout, QuadraticTrainer.Target(Source.Layout.Length, 5f + index, index), samples);
        return new ParticipantWorker(new FederationClient(Channel().CreateCallInvoker()), trainer,
            new ParticipantOptions { Coordinator = Coordinator.Address, SiteId = siteId });
    }

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
