using Federated.Coordinator.Audit;
using Federated.Coordinator.Security;
using Federated.Federation.Client;
using Federated.Federation.Security;
using Federated.Federation.Simulation;
using Federated.Federation.V1;
using Grpc.Core;
using Rpc = Federated.Federation.V1.Federation;

namespace Federated.Security.Tests.Integration;

/// <summary>Revocation, run control, configuration changes and the audit trail on a live TLS coordinator.</summary>
public sealed class GovernanceTests
{
    [Fact]
    public async Task Revoke_FromAnotherProcessOrTheAdminApi_RefusesTheNextCallWithoutRestart()
    {
        using var pki = TestPki.Create("revoke");
        var server = await SecureCoordinator.StartAsync(pki);
        try
        {
            using var site = pki.Client("site-c", FederationRole.Participant);
            using var op = pki.Client("op", FederationRole.Operator);
            var siteAdmin = new FederationAdmin.FederationAdminClient(server.Invoker(site));
            var researcher = new Rpc.FederationClient(server.Invoker(null, pki.Token("res-t", FederationRole.Researcher)));
            Assert.Equal("site-c", (await siteAdmin.WhoAmIAsync(new WhoAmIRequest())).Name);
            await researcher.GetReportAsync(new GetReportRequest());

            // As `coordinator revoke` does it: another writer of the state directory's revocation list.
            Assert.True(new RevocationList(pki.Directory).Revoke("site-c", "cli:test", "key lost"));
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await siteAdmin.WhoAmIAsync(new WhoAmIRequest()));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.StartsWith("identity \"site-c\" was revoked at ", refused.Status.Detail, StringComparison.Ordinal);
            Assert.EndsWith(" by cli:test: key lost", refused.Status.Detail, StringComparison.Ordinal);

            // Through the admin API, for a token holder.
            var revoked = await new FederationAdmin.FederationAdminClient(server.Invoker(op)).RevokeAsync(new RevokeRequest { Name = "res-t", Reason = "left the project" });
            Assert.True(revoked.Revoked);
            var tokenRefused = await Assert.ThrowsAsync<RpcException>(async () => await researcher.GetReportAsync(new GetReportRequest()));
            Assert.Equal(StatusCode.Unauthenticated, tokenRefused.StatusCode);
            Assert.Contains("\"res-t\" was revoked", tokenRefused.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
        var audit = AuditVerifier.Verify(Path.Combine(pki.Directory, CaFiles.Audit));
        Assert.True(audit.Intact, audit.ToString());
        var actions = ReadActions(pki.Directory);
        Assert.Contains(("operator:op", "identity.revoke"), actions);
        Assert.Contains(("researcher:res-t", "report.read"), actions);
    }

    [Fact]
    public async Task Run_OverMutualTls_CompletesAndEveryDecisionIsAudited()
    {
        using var pki = TestPki.Create("run");
        var server = await SecureCoordinator.StartAsync(pki, new Dictionary<string, string?> { ["Security:RequireOperatorStart"] = "true" });
        try
        {
            using var op = pki.Client("op", FederationRole.Operator);
            var admin = new FederationAdmin.FederationAdminClient(server.Invoker(op));
            var changed = await admin.UpdateConfigAsync(new UpdateConfigRequest { Settings = { ["LocalSteps"] = "3", ["rounds"] = "2" } });
            Assert.Equal("2", changed.Previous["LocalSteps"]);
            Assert.Equal("1", changed.Previous["Rounds"]);
            var invalid = await Assert.ThrowsAsync<RpcException>(async () => await admin.UpdateConfigAsync(new UpdateConfigRequest { Settings = { ["LocalSteps"] = "0" } }));
            Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
            Assert.Equal("settings: Federation:LocalSteps must be at least 1 (got 0).", invalid.Status.Detail);
            var fixedSetting = await Assert.ThrowsAsync<RpcException>(async () => await admin.UpdateConfigAsync(new UpdateConfigRequest { Settings = { ["Model"] = "twin" } }));
            Assert.StartsWith("settings[\"Model\"]: not a setting that can change during a run", fixedSetting.Status.Detail, StringComparison.Ordinal);

            var workers = new List<Task<ParticipantRunResult>>();
            for (int i = 0; i < 2; i++)
            {
                string siteId = "site-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var certificate = pki.Client(siteId, FederationRole.Participant);
                var trainer = new QuadraticTrainer(new Coordinator.Models.SyntheticModelSource(64, "quadratic").Layout, QuadraticTrainer.Target(64, 5f + i, i), 100);
                workers.Add(new ParticipantWorker(new FederationClient(server.Invoker(certificate)), trainer,
                    new ParticipantOptions { Coordinator = server.Address, SiteId = siteId }).RunAsync(CancellationToken.None));
            }
            Assert.True((await admin.StartRunAsync(new StartRunRequest())).Started);
            Assert.False((await admin.StartRunAsync(new StartRunRequest())).Started);
            var results = await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(results, r => Assert.True(r.Completed));
            Assert.All(results, r => Assert.Equal(2ul, r.RoundsCompleted));
        }
        finally
        {
            await server.DisposeAsync();
        }
        var audit = AuditVerifier.Verify(Path.Combine(pki.Directory, CaFiles.Audit));
        Assert.True(audit.Intact, audit.ToString());
        var actions = ReadActions(pki.Directory).Select(a => a.Action).ToArray();
        Assert.Equal(["run.configure", "config.update", "run.start", "round.completed", "round.completed", "run.end"], actions);
        string log = File.ReadAllText(Path.Combine(pki.Directory, CaFiles.Audit));
        Assert.Contains("\"aggregated_sites\":\"site-0,site-1\"", log, StringComparison.Ordinal);
        Assert.Contains("\"LocalSteps\":\"2 -\\u003E 3\"", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopRun_EndsTheRunWithTheOperatorsReason()
    {
        using var pki = TestPki.Create("stop");
        var server = await SecureCoordinator.StartAsync(pki);
        try
        {
            var admin = new FederationAdmin.FederationAdminClient(server.Invoker(null, pki.Token("op-t", FederationRole.Operator)));
            var empty = await Assert.ThrowsAsync<RpcException>(async () => await admin.StopRunAsync(new StopRunRequest()));
            Assert.Equal("reason is required", empty.Status.Detail);
            Assert.True((await admin.StopRunAsync(new StopRunRequest { Reason = "maintenance" })).Stopped);
            var ended = await server.Coordinator.Run.Ended.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(ended.Completed);
            Assert.Equal("stopped by operator:op-t: maintenance", ended.Reason);
            Assert.False((await admin.StopRunAsync(new StopRunRequest { Reason = "again" })).Stopped);
        }
        finally
        {
            await server.DisposeAsync();
        }
        var actions = ReadActions(pki.Directory);
        Assert.Contains(("operator:op-t", "run.stop"), actions);
        Assert.Contains(("coordinator", "run.end"), actions);
    }

    [Fact]
    public async Task Enroll_WithCsr_IssuesACertificateTheCoordinatorAccepts()
    {
        using var pki = TestPki.Create("enroll");
        var server = await SecureCoordinator.StartAsync(pki);
        try
        {
            using var op = pki.Client("op", FederationRole.Operator);
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ignored", key, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSigningRequestPem();
            var issued = await new FederationAdmin.FederationAdminClient(server.Invoker(op)).EnrollAsync(new EnrollRequest { Name = "site-new", Role = IdentityRole.Participant, CsrPem = csr });
            Assert.Empty(issued.PrivateKeyPem);
            Assert.Empty(issued.Token);
            using var pem = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(issued.CertificatePem);
            using var withKey = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.CopyWithPrivateKey(pem, key);
            using var usable = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(withKey.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
            var me = await new FederationAdmin.FederationAdminClient(server.Invoker(usable)).WhoAmIAsync(new WhoAmIRequest());
            Assert.Equal(("site-new", IdentityRole.Participant, "certificate"), (me.Name, me.Role, me.AuthenticatedBy));
        }
        finally
        {
            await server.DisposeAsync();
        }
        string log = File.ReadAllText(Path.Combine(pki.Directory, CaFiles.Audit));
        Assert.Contains("\"key_generated_by_coordinator\":\"false\"", log, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", log, StringComparison.Ordinal);
    }

    private static List<(string Actor, string Action)> ReadActions(string stateDirectory)
    {
        var actions = new List<(string, string)>();
        foreach (var line in File.ReadAllLines(Path.Combine(stateDirectory, CaFiles.Audit)))
        {
            Assert.True(AuditEntry.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out var entry, out string why), why);
            actions.Add((entry!.Actor, entry.Action));
        }
        return actions;
    }
}
