using Federated.Federation.Security;

namespace Federated.Coordinator.Security;

/// <summary>How a caller proved who it is.</summary>
internal enum AuthenticationKind
{
    /// <summary>A client certificate issued by the consortium CA.</summary>
    Certificate,

    /// <summary>A bearer token signed with the CA's token key.</summary>
    Token,

    /// <summary>No proof: an h2c caller on loopback while Security:AllowInsecureLoopback is set. Passes every role check.</summary>
    InsecureLoopback,
}

/// <summary>The authenticated caller of an RPC, available to services through <see cref="CallerIdentityExtensions.Caller"/>.</summary>
internal sealed record CallerIdentity(string Name, FederationRole Role, AuthenticationKind Kind, DateTimeOffset? ExpiresAt)
{
    public static CallerIdentity InsecureLoopback { get; } = new("insecure-loopback", FederationRole.Operator, AuthenticationKind.InsecureLoopback, null);

    /// <summary>"role:name" as written in the audit log (or "insecure-loopback").</summary>
    public string Actor => Kind == AuthenticationKind.InsecureLoopback ? Name : Role.Name() + ":" + Name;

    public bool HasRole(IReadOnlyCollection<FederationRole> roles) => Kind == AuthenticationKind.InsecureLoopback || roles.Contains(Role);
}

internal static class CallerIdentityExtensions
{
    public const string UserStateKey = "federated.caller";

    /// <summary>The caller the authorization interceptor authenticated for this call.</summary>
    public static CallerIdentity Caller(this Grpc.Core.ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(UserStateKey, out var value) && value is CallerIdentity caller
            ? caller
            : throw new InvalidOperationException("No caller identity on this call: the authorization interceptor did not run.");
    }
}
