using System.Globalization;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Models;
using Federated.Federation.Security;
using Federated.Federation.Transport;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federated.Security.Tests;

/// <summary>A real coordinator (Kestrel, TLS, 127.0.0.1, ephemeral port) using a <see cref="TestPki"/>, plus client channels.</summary>
internal sealed class SecureCoordinator : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];
    private readonly List<ChannelSecurity> _securities = [];

    private SecureCoordinator(TestPki pki, InProcessCoordinator coordinator, string outDir)
    {
        Pki = pki;
        Coordinator = coordinator;
        OutDir = outDir;
    }

    public TestPki Pki { get; }
    public InProcessCoordinator Coordinator { get; }
    public string OutDir { get; }
    public Uri Address => Coordinator.Address;

    public static async Task<SecureCoordinator> StartAsync(TestPki pki, IDictionary<string, string?>? extra = null)
    {
        string outDir = Path.Combine(pki.Directory, "out");
        var settings = new Dictionary<string, string?>
        {
            ["Security:CaDir"] = pki.Directory,
            ["Federation:MinParticipants"] = "2",
            ["Federation:Rounds"] = "1",
            ["Federation:LocalSteps"] = "2",
            ["Federation:RoundDeadline"] = "00:00:30",
            ["Federation:EvaluationDeadline"] = "00:00:30",
            ["Federation:ParticipantWaitTimeout"] = "00:10:00",
            ["Federation:OutDir"] = outDir,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var coordinator = await InProcessCoordinator.StartAsync(settings, new SyntheticModelSource(64, "quadratic"), quiet: true);
        return new SecureCoordinator(pki, coordinator, outDir);
    }

    /// <summary>A channel trusting the test CA, offering <paramref name="certificate"/> and/or <paramref name="token"/>.</summary>
    public CallInvoker Invoker(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null, string? token = null)
    {
        var security = ChannelSecurity.Create(Pki.Anchor(), certificate, token);
        _securities.Add(security);
        var channel = FederationChannel.Create(Address, security: security);
        _channels.Add(channel);
        return security.Intercept(channel.CreateCallInvoker());
    }

    public static string Port(Uri address) => address.Port.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        _channels.ForEach(c => c.Dispose());
        _securities.ForEach(s => s.Dispose());
        await Coordinator.DisposeAsync();
    }
}
