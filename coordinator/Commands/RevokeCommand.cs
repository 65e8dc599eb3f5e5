using System.CommandLine;
using Federated.Coordinator.Audit;
using Federated.Coordinator.Security;
using Spectre.Console;

namespace Federated.Coordinator.Commands;

/// <summary>
/// <c>coordinator revoke NAME --state DIR [--reason TEXT]</c>: records the revocation in the coordinator's state
/// (DIR/revocations.jsonl) and audit log. A running coordinator using that state directory refuses the identity's
/// next call, with any certificate or token of that name; no restart is needed.
/// </summary>
internal static class RevokeCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Identity name to revoke." };
        var state = new Option<DirectoryInfo>("--state") { Description = "The coordinator's state directory (Security:StateDir; by default its CA directory).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the revocation list and the audit log).", DefaultValueFactory = _ => "" };
        var command = new Command("revoke", "Revoke an identity: its next call is refused.") { name, state, reason };
        command.SetAction(result => CommandErrors.Run(() =>
        {
            string identity = result.GetValue(name)!;
            string dir = result.GetValue(state)!.FullName;
            string why = result.GetValue(reason) ?? "";
            string actor = CommandErrors.CliActor();
            var audit = AuditLog.OpenVerified(dir);
            if (!new RevocationList(dir).Revoke(identity, actor, why))
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{identity}[/] was already revoked.");
                return 0;
            }
            audit.Append(actor, "identity.revoke", new Dictionary<string, string> { ["name"] = identity, ["reason"] = why });
            AnsiConsole.MarkupLineInterpolated($"Revoked [red]{identity}[/] in [blue]{dir}[/]; its next call is refused.");
            return 0;
        }));
        return command;
    }
}
