using System.CommandLine;
using Federated.Coordinator.Audit;
using Spectre.Console;

namespace Federated.Coordinator.Commands;

/// <summary>
/// <c>coordinator audit verify --file STATE/audit.jsonl</c>: checks the hash chain. Exit 0 and the head hash when
/// intact; exit 1 and the first broken entry (seq, line, why) otherwise.
/// </summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo>("--file") { Description = "The audit log (audit.jsonl in the coordinator's state directory).", Required = true };
        var verify = new Command("verify", "Check the audit log's hash chain and report the first broken entry.") { file };
        verify.SetAction(result =>
        {
            var path = result.GetValue(file)!.FullName;
            var check = AuditVerifier.Verify(path);
            if (check.Intact)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]intact[/]: {check.Entries} entries; head hash {check.HeadHash} (record it elsewhere to detect a rewritten tail).");
                return 0;
            }
            AnsiConsole.MarkupLineInterpolated($"[red]broken[/] at seq {check.BrokenSeq} (line {check.BrokenLine}): {check.Reason}. The {check.Entries} entries before it verify.");
            return 1;
        });
        var command = new Command("audit", "The coordinator's hash-chained audit log.");
        command.Subcommands.Add(verify);
        return command;
    }
}
