using System.Security.Cryptography.X509Certificates;
using Federated.Coordinator.Models;
using Federated.Coordinator.Security;
using Federated.Federation.Client;
using Federated.Federation.Security;
using Federated.Federation.V1;
using Grpc.Core;

namespace Federated.Security.Tests.Integration;

/// <summary>What a matrix caller presents, and what the coordinator should make of it.</summary>
/// <param name="Name">The identity it claims (for participants, the site id it joins as).</param>
/// <param name="Role">Its role when the identity is valid; null when the coordinator must refuse it as unauthenticated.</param>
internal sealed record MatrixCaller(string Name, FederationRole? Role, CallInvoker Invoker);

/// <summary>
/// One TLS coordinator for the whole matrix, whose run is stopped at the start so that every RPC answers at once,
/// and one channel per kind of caller: each role by certificate and (operators, researchers) by token, and the
/// callers that must be refused: none, expired, revoked, foreign-CA certificates, tampered/expired/foreign tokens.
/// </summary>
public sealed class MatrixFixture : IAsyncLifetime
{
    private readonly List<X509Certificate2> _certificates = [];
    private TestPki? _pki;
    private TestPki? _foreign;

    internal SecureCoordinator Server { get; private set; } = null!;
    internal Dictionary<string, MatrixCaller> Callers { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, string> SessionTokens { get; } = new(StringComparer.Ordinal);
    internal SyntheticModelSource Model { get; } = new(64, "quadratic");

    public static readonly string[] CallerKinds =
    [
        "participant-cert", "participant-b-cert", "operator-cert", "operator-token", "researcher-cert", "researcher-token",
        "no-identity", "expired-cert", "revoked-cert", "foreign-ca-cert", "tampered-token", "expired-token", "foreign-ca-token",
    ];

    public async Task InitializeAsync()
    {
        _pki = TestPki.Create("matrix");
        _foreign = TestPki.Create("foreign");
        new RevocationList(_pki.Directory).Revoke("site-rev", "test", "matrix: revoked before start");
        Server = await SecureCoordinator.StartAsync(_pki, new Dictionary<string, string?> { ["Security:RequireOperatorStart"] = "true" });
        var now = DateTimeOffset.UtcNow;

        Add("participant-cert", "site-a", FederationRole.Participant, Cert(_pki.Client("site-a", FederationRole.Participant)));
        Add("participant-b-cert", "site-b", FederationRole.Participant, Cert(_pki.Client("site-b", FederationRole.Participant)));
        Add("operator-cert", "op", FederationRole.Operator, Cert(_pki.Client("op", FederationRole.Operator)));
        Add("operator-token", "op-t", FederationRole.Operator, null, _pki.Token("op-t", FederationRole.Operator));
        Add("researcher-cert", "res", FederationRole.Researcher, Cert(_pki.Client("res", FederationRole.Researcher)));
        Add("researcher-token", "res-t", FederationRole.Researcher, null, _pki.Token("res-t", FederationRole.Researcher));
        Add("no-identity", "site-a", null, null);
        Add("expired-cert", "site-old", null, Cert(_pki.Client("site-old", FederationRole.Participant, now.AddHours(-3), now.AddHours(-1))));
        Add("revoked-cert", "site-rev", null, Cert(_pki.Client("site-rev", FederationRole.Participant)));
        Add("foreign-ca-cert", "site-a", null, Cert(_foreign.Client("site-a", FederationRole.Participant)));
        string token = _pki.Token("op-x", FederationRole.Operator);
        var parts = token.Split('.');
        string tampered = parts[0] + "." + parts[1][..^2] + (parts[1][^2] == 'A' ? 'B' : 'A') + parts[1][^1] + "." + parts[2];
        Add("tampered-token", "op-x", null, null, tampered);
        Add("expired-token", "op-old", null, null, BearerTokens.Issue(_pki.Ca.TokenKey, "op-old", FederationRole.Operator, now.AddHours(-3), now.AddHours(-1)));
        Add("foreign-ca-token", "op", null, null, _foreign.Token("op", FederationRole.Operator));

        foreach (var kind in new[] { "participant-cert", "participant-b-cert" })
        {
            var caller = Callers[kind];
            var joined = await new FederationClient(caller.Invoker).JoinAsync(caller.Name, Model.Layout, CancellationToken.None);
            SessionTokens[caller.Name] = joined.SessionToken;
        }
        // End the run so that streams answer at once (WatchTasks sends RunEnded) whoever is allowed to call.
        await new FederationAdmin.FederationAdminClient(Callers["operator-cert"].Invoker).StopRunAsync(new StopRunRequest { Reason = "matrix test" });
        await Server.Coordinator.Run.Ended;
    }

    private X509Certificate2 Cert(X509Certificate2 certificate)
    {
        _certificates.Add(certificate);
        return certificate;
    }

    private void Add(string kind, string name, FederationRole? role, X509Certificate2? certificate, string? token = null) =>
        Callers[kind] = new MatrixCaller(name, role, Server.Invoker(certificate, token));

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _certificates.ForEach(c => c.Dispose());
        _pki?.Dispose();
        _foreign?.Dispose();
    }
}
