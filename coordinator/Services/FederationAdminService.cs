using System.Globalization;
using Federated.Coordinator.Admin;
using Federated.Coordinator.Audit;
using Federated.Coordinator.Federation;
using Federated.Coordinator.Security;
using Federated.Federation.Security;
using Federated.Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Services;

/// <summary>
/// The federated.v1.FederationAdmin gRPC service: governance actions of operators. Who may call what is decided by
/// <see cref="RolePolicy"/> before a method here runs; each successful action is appended to the audit log.
/// </summary>
internal sealed class FederationAdminService(
    FederationRun run,
    RunControl control,
    ConfigUpdater config,
    CoordinatorSecurity security,
    RevocationList revocations,
    AuditLog audit,
    IOptions<SecurityOptions> securityOptions) : FederationAdmin.FederationAdminBase
{
    private const int MaxReasonLength = 500;

    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        return Task.FromResult(new WhoAmIResponse
        {
            Name = caller.Name,
            Role = ToWire(caller.Role),
            AuthenticatedBy = caller.Kind switch
            {
                AuthenticationKind.Certificate => "certificate",
                AuthenticationKind.Token => "token",
                _ => "insecure-loopback",
            },
            ExpiresUnixMs = caller.ExpiresAt?.ToUnixTimeMilliseconds() ?? 0,
        });
    }

    public override Task<StartRunResponse> StartRun(StartRunRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        if (run.Ended.IsCompleted || control.StopReason is not null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"run {run.RunId} has ended; it cannot start again"));
        }
        bool started = control.RequestStart(caller.Actor);
        if (started)
        {
            audit.Append(caller.Actor, "run.start", new Dictionary<string, string> { ["run_id"] = run.RunId });
        }
        return Task.FromResult(new StartRunResponse { Started = started, RunId = run.RunId });
    }

    public override Task<StopRunResponse> StopRun(StopRunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = context.Caller();
        string reason = RequireReason(request.Reason, "reason", required: true);
        bool stopped = !run.Ended.IsCompleted && control.RequestStop(caller.Actor, reason);
        if (stopped)
        {
            audit.Append(caller.Actor, "run.stop", new Dictionary<string, string> { ["run_id"] = run.RunId, ["reason"] = reason });
        }
        return Task.FromResult(new StopRunResponse { Stopped = stopped });
    }

    public override Task<UpdateConfigResponse> UpdateConfig(UpdateConfigRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = context.Caller();
        IReadOnlyDictionary<string, (string Previous, string Current)> changed;
        try
        {
            changed = config.Apply(request.Settings);
        }
        catch (ArgumentException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        var details = new Dictionary<string, string> { ["run_id"] = run.RunId };
        var response = new UpdateConfigResponse();
        foreach (var (name, (previous, current)) in changed)
        {
            details[name] = previous + " -> " + current;
            response.Previous[name] = previous;
        }
        audit.Append(caller.Actor, "config.update", details);
        return Task.FromResult(response);
    }

    public override Task<EnrollResponse> Enroll(EnrollRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = context.Caller();
        if (!IdentityUri.IsValidName(request.Name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"name \"{request.Name}\" is invalid: use 1-64 characters from [A-Za-z0-9._-]"));
        }
        var role = FromWire(request.Role)
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, $"role {request.Role} is not participant, operator or researcher"));
        if (security.Ca is not { CanIssue: true } ca)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"this coordinator holds no CA key ({CaFiles.Key} in Security:CaDir); enrol offline with `coordinator enroll`"));
        }
        if (revocations.Find(request.Name) is not null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"name \"{request.Name}\" is revoked; enrol under a new name"));
        }
        var validity = request.ValidityDays > 0 ? TimeSpan.FromDays(request.ValidityDays) : securityOptions.Value.EnrollValidity;
        IssuedCertificate issued;
        try
        {
            issued = ca.IssueClient(request.Name, role, validity, string.IsNullOrWhiteSpace(request.CsrPem) ? null : request.CsrPem);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "csr_pem: not a valid, self-signed PKCS#10 request: " + ex.Message));
        }
        using (issued.Certificate)
        {
            string token = role == FederationRole.Participant || !ca.HasTokenKey ? "" : ca.IssueToken(request.Name, role, validity);
            audit.Append(caller.Actor, "identity.enroll", new Dictionary<string, string>
            {
                ["name"] = request.Name,
                ["role"] = role.Name(),
                ["serial"] = issued.SerialNumber,
                ["sha256"] = issued.Fingerprint,
                ["not_after"] = issued.Certificate.NotAfter.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["key_generated_by_coordinator"] = issued.PrivateKeyPem is null ? "false" : "true",
                ["token_issued"] = token.Length > 0 ? "true" : "false",
            });
            return Task.FromResult(new EnrollResponse
            {
                CertificatePem = issued.CertificatePem,
                PrivateKeyPem = issued.PrivateKeyPem ?? "",
                CaCertificatePem = ca.Certificate.ExportCertificatePem(),
                Token = token,
                SerialNumber = issued.SerialNumber,
                ExpiresUnixMs = new DateTimeOffset(issued.Certificate.NotAfter.ToUniversalTime()).ToUnixTimeMilliseconds(),
            });
        }
    }

    public override Task<RevokeResponse> Revoke(RevokeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = context.Caller();
        if (!IdentityUri.IsValidName(request.Name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"name \"{request.Name}\" is invalid: use 1-64 characters from [A-Za-z0-9._-]"));
        }
        string reason = RequireReason(request.Reason, "reason", required: false);
        bool revoked = revocations.Revoke(request.Name, caller.Actor, reason);
        if (revoked)
        {
            audit.Append(caller.Actor, "identity.revoke", new Dictionary<string, string> { ["name"] = request.Name, ["reason"] = reason });
        }
        return Task.FromResult(new RevokeResponse { Revoked = revoked });
    }

    internal static IdentityRole ToWire(FederationRole role) => role switch
    {
        FederationRole.Participant => IdentityRole.Participant,
        FederationRole.Operator => IdentityRole.Operator,
        FederationRole.Researcher => IdentityRole.Researcher,
        _ => IdentityRole.Unspecified,
    };

    internal static FederationRole? FromWire(IdentityRole role) => role switch
    {
        IdentityRole.Participant => FederationRole.Participant,
        IdentityRole.Operator => FederationRole.Operator,
        IdentityRole.Researcher => FederationRole.Researcher,
        _ => null,
    };

    private static string RequireReason(string? value, string field, bool required)
    {
        string text = (value ?? "").Trim();
        if (required && text.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} is required"));
        }
        if (text.Length > MaxReasonLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} has {text.Length} characters; at most {MaxReasonLength}"));
        }
        return text;
    }
}
