using System.Globalization;
using Federated.Core.Federation;
using Federated.Federation.Client;
using Federated.Federation.Resilience;
using Federated.Federation.Simulation;
using Federated.Federation.Transport;
using Grpc.Net.Client;

namespace Federated.Resilience.Tests;

/// <summary>In-process resilient participants (QuadraticTrainer on the "synthetic" layout) with test-sized backoffs.</summary>
internal sealed class Sites : IDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    public static ParticipantResilienceOptions FastResilience() => new()
    {
        CallTimeout = TimeSpan.FromSeconds(10),
        TransferTimeout = TimeSpan.FromSeconds(30),
        MaxRetryAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        BreakerBreakDuration = TimeSpan.FromSeconds(1),
        BreakerSamplingDuration = TimeSpan.FromSeconds(5),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        ReconnectTimeout = TimeSpan.FromSeconds(120),
    };

    /// <summary>Settings of a small plaintext or encrypted synthetic run, for both process and in-process coordinators.</summary>
    public static Dictionary<string, string> RunSettings(int participants, int rounds, int length, string encryption = "none") => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Federation:Model"] = "synthetic",
        ["Federation:SyntheticLength"] = length.ToString(CultureInfo.InvariantCulture),
        ["Federation:Rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
        ["Federation:MinParticipants"] = participants.ToString(CultureInfo.InvariantCulture),
        ["Federation:MinUpdatesPerRound"] = "2",
        ["Federation:Encryption"] = encryption,
        ["Federation:LocalSteps"] = "4",
        ["Federation:LearningRate"] = "0.1",
        ["Federation:RoundDeadline"] = "00:00:30",
        ["Federation:EvaluationDeadline"] = "00:00:30",
        ["Federation:ParticipantWaitTimeout"] = "00:01:00",
        ["Federation:Rlwe:CeremonyDeadline"] = "00:00:30",
        ["Federation:Rlwe:DecryptionDeadline"] = "00:00:30",
        ["Federation:ExitWhenComplete"] = "true",
    };

    public ParticipantWorker Worker(Uri address, string site, int index, int length, bool resilient = true)
    {
        var channel = FederationChannel.Create(address);
        _channels.Add(channel);
        var layout = new SharedLayout("synthetic", 1, length);
        var trainer = new QuadraticTrainer(layout, QuadraticTrainer.Target(length, 5f + index, index), 100 + index);
        var options = new ParticipantOptions { Coordinator = address, SiteId = site, Resilience = FastResilience() };
        var client = new FederationClient(channel.CreateCallInvoker(), resilient ? new ParticipantResilience(options.Resilience) : null);
        return new ParticipantWorker(client, trainer, options);
    }

    public static string TempDir(string what)
    {
        string dir = Path.Combine(Path.GetTempPath(), "federated-" + what + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
