using Federated.Federation.Client;
using Federated.Federation.Security;
using Federated.Federation.V1;
using Grpc.Core;
using Rpc = Federated.Federation.V1.Federation;

namespace Federated.Security.Tests.Integration;

/// <summary>A participant certificate is bound to its site: it cannot join as, or use the session of, another site.</summary>
public sealed class ParticipantIdentityTests(MatrixFixture fixture) : IClassFixture<MatrixFixture>
{
    [Fact]
    public async Task Join_AsAnotherSite_PermissionDeniedNamingBoth()
    {
        var client = new FederationClient(fixture.Callers["participant-cert"].Invoker);
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.JoinAsync("site-b", fixture.Model.Layout, CancellationToken.None));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("site_id \"site-b\" does not match the client certificate's identity \"site-a\"", ex.Status.Detail);
    }

    [Fact]
    public async Task SessionToken_OfAnotherSite_PermissionDenied()
    {
        var pki = TestPki.Create("binding");
        var server = await SecureCoordinator.StartAsync(pki);
        try
        {
            using var a = pki.Client("site-a", FederationRole.Participant);
            using var b = pki.Client("site-b", FederationRole.Participant);
            var joinedA = await new FederationClient(server.Invoker(a)).JoinAsync("site-a", fixture.Model.Layout, CancellationToken.None);
            var rpcB = new Rpc.FederationClient(server.Invoker(b));
            var ex = await Assert.ThrowsAsync<RpcException>(async () =>
                await rpcB.ReportEvaluationAsync(new ReportEvaluationRequest { SessionToken = joinedA.SessionToken, Round = 1, ModelVersion = 1 }));
            Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
            Assert.Equal("session_token belongs to site \"site-a\", not to the caller \"site-b\"", ex.Status.Detail);
        }
        finally
        {
            await server.DisposeAsync();
            pki.Dispose();
        }
    }
}
