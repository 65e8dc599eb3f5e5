using Federated.Coordinator.Security;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace Federated.Security.Tests.Integration;

/// <summary>
/// Every RPC × every kind of caller against a real TLS coordinator: the outcome must be exactly what
/// <see cref="RolePolicy.Table"/> declares. Valid identities in a role the table does not list get
/// PERMISSION_DENIED; missing, expired, revoked, foreign or tampered identities get UNAUTHENTICATED.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixFixture fixture) : IClassFixture<MatrixFixture>
{
    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var method in RolePolicy.Table.Keys.Order(StringComparer.Ordinal))
        {
            foreach (var caller in MatrixFixture.CallerKinds)
            {
                data.Add(method, caller);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Call_AsCaller_OutcomeMatchesTable(string method, string callerKind)
    {
        var caller = fixture.Callers[callerKind];
        string session = fixture.SessionTokens.GetValueOrDefault(caller.Name) ?? fixture.SessionTokens["site-a"];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var refusal = await RpcCalls.RefusalAsync(() => RpcCalls.All[method](caller, session, new(fixture.Model.Layout), cts.Token));

        var rule = RolePolicy.Table[method];
        StatusCode? expected = rule.Anonymous ? null
            : caller.Role is not { } role ? StatusCode.Unauthenticated
            : rule.Roles.Contains(role) ? null
            : StatusCode.PermissionDenied;
        Assert.True(expected == refusal?.StatusCode,
            $"{callerKind} calling {method}: expected {(expected?.ToString() ?? "to pass authorization")}, got {(refusal is null ? "through" : refusal.StatusCode + " " + refusal.Status.Detail)}");
    }

    [Fact]
    public void MatrixCalls_CoverEveryMethodInTheTable()
    {
        Assert.Equal(RolePolicy.Table.Keys.Order(StringComparer.Ordinal), RpcCalls.All.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Table_ListsEveryMappedMethodOfEveryService()
    {
        var mapped = ((IEndpointRouteBuilder)fixture.Server.Coordinator.App).DataSources
            .SelectMany(s => s.Endpoints)
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName)
            .OfType<string>()
            .Where(name => name.StartsWith('/'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("/federated.v1.Federation/Join", mapped);
        Assert.Contains("/federated.v1.FederationAdmin/Revoke", mapped);
        string[] unlisted = mapped.Where(m => !RolePolicy.Table.ContainsKey(m)).ToArray();
        string[] stale = RolePolicy.Table.Keys.Where(m => !mapped.Contains(m)).ToArray();
        Assert.True(unlisted.Length == 0, "mapped but not in RolePolicy.Table: " + string.Join(", ", unlisted));
        Assert.True(stale.Length == 0, "in RolePolicy.Table but not mapped: " + string.Join(", ", stale));
    }

    [Theory]
    [InlineData("expired-cert", "expired at")]
    [InlineData("revoked-cert", "identity \"site-rev\" was revoked")]
    [InlineData("foreign-ca-cert", "not issued by the consortium CA")]
    [InlineData("tampered-token", "signature does not match")]
    [InlineData("expired-token", "expired at")]
    [InlineData("foreign-ca-token", "signature does not match")]
    [InlineData("no-identity", "no identity")]
    public async Task Refusal_InvalidIdentity_NamesTheReason(string callerKind, string reason)
    {
        var refusal = await RpcCalls.RefusalAsync(() => RpcCalls.All["/federated.v1.FederationAdmin/WhoAmI"](fixture.Callers[callerKind], "", new(fixture.Model.Layout), CancellationToken.None));
        Assert.NotNull(refusal);
        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains(reason, refusal.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusal_WrongRole_NamesRoleAndAllowedRoles()
    {
        var refusal = await RpcCalls.RefusalAsync(() => RpcCalls.All["/federated.v1.Federation/Join"](fixture.Callers["researcher-cert"], "", new(fixture.Model.Layout), CancellationToken.None));
        Assert.NotNull(refusal);
        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Equal("researcher \"res\" may not call /federated.v1.Federation/Join; allowed roles: participant", refusal.Status.Detail);
    }
}
