using System.Collections.Frozen;
using Federated.Federation.Security;
using static Federated.Federation.Security.FederationRole;

namespace Federated.Coordinator.Security;

/// <summary>Who may call one RPC, and what the audit log records about a successful call.</summary>
/// <param name="Roles">Roles allowed to call it.</param>
/// <param name="Anonymous">Callable without any identity (health probes only).</param>
/// <param name="AuditAction">When set, every successful call is appended to the audit log under this action.</param>
internal sealed record RpcRule(IReadOnlyCollection<FederationRole> Roles, bool Anonymous = false, string? AuditAction = null);

/// <summary>
/// THE table of who may call what: every RPC the coordinator serves, keyed by its full method name. It is the only
/// place roles are granted; <see cref="AuthorizationInterceptor"/> enforces it on every call, and a method missing
/// here is denied to everybody. A test checks that every mapped method of every service has an entry.
/// </summary>
internal static class RolePolicy
{
    private static readonly FederationRole[] ParticipantsOnly = [Participant];
    private static readonly FederationRole[] Readers = [Operator, Researcher];
    private static readonly FederationRole[] OperatorsOnly = [Operator];
    private static readonly FederationRole[] Everyone = [Participant, Operator, Researcher];

    public static FrozenDictionary<string, RpcRule> Table { get; } = new Dictionary<string, RpcRule>(StringComparer.Ordinal)
    {
        // federated.v1.Federation: the participant protocol, plus report reads.
        ["/federated.v1.Federation/Join"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/WatchTasks"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/DownloadGlobalModel"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/UploadUpdate"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/ReportEvaluation"] = new(ParticipantsOnly),
        // Encrypted rounds: key ceremony and threshold decryption are participant work too.
        ["/federated.v1.Federation/SubmitKeyMaterial"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/DownloadKeyMaterial"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/DownloadAggregate"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/ConfirmDecryption"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/UploadDecryptionShare"] = new(ParticipantsOnly),
        // Resumable uploads: a participant asks what the coordinator kept of its own interrupted upload.
        ["/federated.v1.Federation/GetUploadStatus"] = new(ParticipantsOnly),
        ["/federated.v1.Federation/GetRoundStatus"] = new(Readers, AuditAction: "report.read"),
        ["/federated.v1.Federation/GetReport"] = new(Readers, AuditAction: "report.read"),
        // Fairness: consortium-wide per-cohort metrics only (no per-site numbers exist); same readers as the report.
        ["/federated.v1.Federation/GetFairnessReport"] = new(Readers, AuditAction: "report.read"),

        // federated.v1.FederationAdmin: governance (each action audits itself with its details).
        ["/federated.v1.FederationAdmin/WhoAmI"] = new(Everyone),
        ["/federated.v1.FederationAdmin/StartRun"] = new(OperatorsOnly),
        ["/federated.v1.FederationAdmin/StopRun"] = new(OperatorsOnly),
        ["/federated.v1.FederationAdmin/UpdateConfig"] = new(OperatorsOnly),
        ["/federated.v1.FederationAdmin/Enroll"] = new(OperatorsOnly),
        ["/federated.v1.FederationAdmin/Revoke"] = new(OperatorsOnly),

        // Infrastructure: health probes carry no identity (they reveal only serving/not serving); reflection
        // describes the whole API and is for operators.
        ["/grpc.health.v1.Health/Check"] = new([], Anonymous: true),
        ["/grpc.health.v1.Health/Watch"] = new([], Anonymous: true),
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = new(OperatorsOnly),
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = new(OperatorsOnly),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The rule of <paramref name="method"/>, or null (denied).</summary>
    public static RpcRule? Find(string method) => Table.GetValueOrDefault(method);
}
