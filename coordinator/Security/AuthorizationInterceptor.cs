using System.Globalization;
using System.Net;
using Federated.Coordinator.Audit;
using Federated.Federation.Security;
using Federated.Federation.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federated.Coordinator.Security;

/// <summary>
/// Authenticates and authorizes every call against <see cref="RolePolicy.Table"/>: finds the caller (client
/// certificate checked against the consortium CA, or bearer token), refuses revoked identities on every call,
/// checks the role, binds a participant's certificate to its site id and session, and audits report reads.
/// UNAUTHENTICATED: no identity, or an invalid, expired, foreign or revoked one. PERMISSION_DENIED: a valid
/// identity whose role may not call the method, or a participant acting as another site.
/// </summary>
internal sealed partial class AuthorizationInterceptor(
    CoordinatorSecurity security,
    RevocationList revocations,
    SessionBindings sessions,
    AuditLog audit,
    TimeProvider time,
    ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    /// <summary>Trailer set on every refusal made here, so clients (and tests) can tell it from a service's own status.</summary>
    public const string DeniedByTrailer = "federated-denied-by";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var (caller, rule) = Authorize(context);
        CheckMessage(caller, request, context.Method);
        var response = await continuation(request, context).ConfigureAwait(false);
        if (response is JoinResponse joined && caller is { Kind: AuthenticationKind.Certificate, Role: FederationRole.Participant })
        {
            sessions.Bind(joined.SessionToken, caller.Name);
        }
        Audit(caller, rule, context.Method, request);
        return response;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var (caller, rule) = Authorize(context);
        var response = await continuation(new CheckedReader<TRequest>(requestStream, m => CheckMessage(caller, m, context.Method)), context).ConfigureAwait(false);
        Audit(caller, rule, context.Method, null);
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var (caller, rule) = Authorize(context);
        CheckMessage(caller, request, context.Method);
        await continuation(request, responseStream, context).ConfigureAwait(false);
        Audit(caller, rule, context.Method, request);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var (caller, rule) = Authorize(context);
        await continuation(new CheckedReader<TRequest>(requestStream, m => CheckMessage(caller, m, context.Method)), responseStream, context).ConfigureAwait(false);
        Audit(caller, rule, context.Method, null);
    }

    private (CallerIdentity? Caller, RpcRule Rule) Authorize(ServerCallContext context)
    {
        var rule = RolePolicy.Find(context.Method)
            ?? throw Deny(context, null, StatusCode.PermissionDenied, $"{context.Method} is not in the authorization table; every method must be listed there, so it is denied to everybody");
        if (rule.Anonymous)
        {
            return (null, rule);
        }
        var caller = Authenticate(context);
        if (caller.Kind != AuthenticationKind.InsecureLoopback && revocations.Find(caller.Name) is { } revoked)
        {
            throw Deny(context, caller, StatusCode.Unauthenticated, string.Create(CultureInfo.InvariantCulture,
                $"identity \"{caller.Name}\" was revoked at {revoked.RevokedAt.UtcDateTime:O} by {revoked.Actor}{(revoked.Reason.Length > 0 ? ": " + revoked.Reason : "")}"));
        }
        if (!caller.HasRole(rule.Roles))
        {
            throw Deny(context, caller, StatusCode.PermissionDenied,
                $"{caller.Role.Name()} \"{caller.Name}\" may not call {context.Method}; allowed roles: {string.Join(", ", rule.Roles.Select(r => r.Name()))}");
        }
        context.UserState[CallerIdentityExtensions.UserStateKey] = caller;
        return (caller, rule);
    }

    private CallerIdentity Authenticate(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        CallerIdentity? fromCertificate = null;
        CallerIdentity? fromToken = null;
        if (http.Connection.ClientCertificate is { } certificate)
        {
            if (security.Certificates is null)
            {
                throw Deny(context, null, StatusCode.Unauthenticated, "client certificate: this coordinator has no consortium CA to check it against");
            }
            if (!security.Certificates.TryValidate(certificate, out fromCertificate, out string why))
            {
                throw Deny(context, null, StatusCode.Unauthenticated, $"client certificate \"{certificate.Subject}\" refused: {why}");
            }
        }
        string? authorization = context.RequestHeaders.GetValue("authorization");
        if (authorization is not null)
        {
            const string Scheme = "Bearer ";
            if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            {
                throw Deny(context, null, StatusCode.Unauthenticated, "authorization header: expected \"Bearer TOKEN\"");
            }
            if (security.Ca is not { HasTokenKey: true } ca)
            {
                throw Deny(context, null, StatusCode.Unauthenticated, "bearer token: this coordinator has no token key (CA directory without token.key)");
            }
            if (!BearerTokens.TryVerify(ca.TokenKey, authorization[Scheme.Length..].Trim(), time.GetUtcNow(), out var claims, out string why))
            {
                throw Deny(context, null, StatusCode.Unauthenticated, "bearer token refused: " + why);
            }
            fromToken = new CallerIdentity(claims!.Name, claims.Role, AuthenticationKind.Token, claims.ExpiresAt);
        }
        if (fromCertificate is not null && fromToken is not null && (fromCertificate.Name != fromToken.Name || fromCertificate.Role != fromToken.Role))
        {
            throw Deny(context, null, StatusCode.Unauthenticated,
                $"the client certificate ({fromCertificate.Actor}) and the bearer token ({fromToken.Actor}) name different identities");
        }
        if ((fromCertificate ?? fromToken) is { } caller)
        {
            return caller;
        }
        if (security.Insecure && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote))
        {
            return CallerIdentity.InsecureLoopback;
        }
        throw Deny(context, null, StatusCode.Unauthenticated,
            "no identity: present a client certificate issued by the consortium CA, or an operator or researcher bearer token");
    }

    /// <summary>A participant may only join as, and use the session of, the site its certificate names.</summary>
    private void CheckMessage(CallerIdentity? caller, object? message, string method)
    {
        if (caller is not { Role: FederationRole.Participant } || caller.Kind == AuthenticationKind.InsecureLoopback || message is not IMessage m)
        {
            return;
        }
        if (m is JoinRequest join && !string.Equals(join.SiteId, caller.Name, StringComparison.Ordinal))
        {
            throw DenyCall(method, caller, StatusCode.PermissionDenied,
                $"site_id \"{join.SiteId}\" does not match the client certificate's identity \"{caller.Name}\"");
        }
        if (FindSessionToken(m, depth: 0) is { } token && sessions.Owner(token) is { } owner && owner != caller.Name)
        {
            throw DenyCall(method, caller, StatusCode.PermissionDenied,
                $"session_token belongs to site \"{owner}\", not to the caller \"{caller.Name}\"");
        }
    }

    /// <summary>A "session_token" string field of the message or of a message directly inside it (e.g. an upload header).</summary>
    private static string? FindSessionToken(IMessage message, int depth)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.Name == "session_token" && field.FieldType == FieldType.String)
            {
                return field.Accessor.GetValue(message) as string;
            }
            if (depth == 0 && field.FieldType == FieldType.Message && !field.IsRepeated && !field.IsMap && field.Accessor.GetValue(message) is IMessage inner
                && FindSessionToken(inner, depth + 1) is { } token)
            {
                return token;
            }
        }
        return null;
    }

    private void Audit(CallerIdentity? caller, RpcRule rule, string method, object? request)
    {
        if (rule.AuditAction is null || caller is null)
        {
            return;
        }
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["method"] = method };
        if (request is GetRoundStatusRequest status)
        {
            details["round"] = status.Round.ToString(CultureInfo.InvariantCulture);
        }
        audit.Append(caller.Actor, rule.AuditAction, details);
    }

    private RpcException Deny(ServerCallContext context, CallerIdentity? caller, StatusCode code, string detail) => DenyCall(context.Method, caller, code, detail);

    private RpcException DenyCall(string method, CallerIdentity? caller, StatusCode code, string detail)
    {
        LogDenied(method, caller?.Actor ?? "(unauthenticated)", code, detail);
        return new RpcException(new Status(code, detail), new Metadata { { DeniedByTrailer, "authorization" } });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Denied {Method} to {Actor}: {Code} {Detail}")]
    private partial void LogDenied(string method, string actor, StatusCode code, string detail);

    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner, Action<T> check) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            bool more = await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            if (more)
            {
                check(inner.Current);
            }
            return more;
        }
    }
}
