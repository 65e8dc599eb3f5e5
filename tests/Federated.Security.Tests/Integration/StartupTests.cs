using Federated.Coordinator.Hosting;
using Federated.Federation.Security;
using Federated.Federation.Transport;
using Grpc.Core;

namespace Federated.Security.Tests.Integration;

/// <summary>TLS is the default; h2c needs an explicit, loopback-only opt-in on both ends.</summary>
public sealed class StartupTests
{
    [Fact]
    public void Build_WithoutCaDir_RefusesNamingTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => CoordinatorHost.Build([], null, new Dictionary<string, string?> { ["Urls"] = "https://127.0.0.1:0" }));
        Assert.StartsWith("Security:CaDir is required: TLS with client certificates is on by default.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HttpUrlWithoutInsecureOptIn_Refused()
    {
        using var pki = TestPki.Create("urls");
        var ex = Assert.Throws<InvalidOperationException>(() => CoordinatorHost.Build([], null, new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Security:CaDir"] = pki.Directory,
        }));
        Assert.StartsWith("Urls: \"http://127.0.0.1:0\" is not https://.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_InsecureOnNonLoopback_Refused()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => CoordinatorHost.Build([], null, new Dictionary<string, string?>
        {
            ["Urls"] = "http://0.0.0.0:5000",
            ["Security:AllowInsecureLoopback"] = "true",
        }));
        Assert.Contains("is not an http:// loopback address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_HttpWithoutOptIn_Refused()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ChannelSecurity.Resolve(new ClientSecurityOptions(), new Uri("http://127.0.0.1:5000")));
        Assert.StartsWith("The coordinator address http://127.0.0.1:5000/ has no TLS", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => ChannelSecurity.Resolve(new ClientSecurityOptions { AllowInsecureLoopback = true }, new Uri("http://10.0.0.1:5000")));
        Assert.Null(ChannelSecurity.Resolve(new ClientSecurityOptions { AllowInsecureLoopback = true }, new Uri("http://127.0.0.1:5000")));
    }

    [Fact]
    public async Task Client_ServerCertificateFromAnotherCa_Refused()
    {
        using var pki = TestPki.Create("server");
        using var other = TestPki.Create("client-trust");
        var server = await SecureCoordinator.StartAsync(pki);
        try
        {
            using var certificate = other.Client("site-a", FederationRole.Participant);
            using var security = ChannelSecurity.Create(other.Anchor(), certificate);
            using var channel = FederationChannel.Create(server.Address, security: security);
            var ex = await Assert.ThrowsAsync<RpcException>(async () =>
                await new Federated.Federation.V1.FederationAdmin.FederationAdminClient(channel).WhoAmIAsync(new Federated.Federation.V1.WhoAmIRequest()));
            Assert.NotEqual(StatusCode.OK, ex.StatusCode);
            var chain = new List<Exception>();
            for (var e = ex.Status.DebugException; e is not null; e = e.InnerException)
            {
                chain.Add(e);
            }
            Assert.Contains(chain, e => e is System.Security.Authentication.AuthenticationException);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
