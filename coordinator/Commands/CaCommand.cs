using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Audit;
using Federated.Coordinator.Security;
using Spectre.Console;

namespace Federated.Coordinator.Commands;

/// <summary>
/// <c>coordinator ca init --dir DIR [--name TEXT] [--days 3650] [--host NAME]... [--force]</c>: creates the consortium
/// CA (ECDSA P-256), its bearer-token key and the coordinator's server certificate for the given host names
/// (default localhost, 127.0.0.1 and ::1). The first entry of DIR/audit.jsonl records it.
/// </summary>
internal static class CaCommand
{
    public static readonly string[] DefaultHosts = ["localhost", "127.0.0.1", "::1"];

    public static Command Create()
    {
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Directory of the new CA (keys are written readable by you only).", Required = true };
        var name = new Option<string>("--name") { Description = "Common name of the CA.", DefaultValueFactory = _ => "Federated consortium CA" };
        var days = new Option<int>("--days") { Description = "Validity of the CA certificate in days.", DefaultValueFactory = _ => 3650 };
        var hosts = new Option<string[]>("--host") { Description = "Host names or IP addresses of the coordinator's server certificate (repeatable).", AllowMultipleArgumentsPerToken = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing CA in --dir (everything it issued stops working)." };
        var init = new Command("init", "Create a consortium CA, its token key and the coordinator's server certificate.") { dir, name, days, hosts, force };
        init.SetAction(result => CommandErrors.Run(() =>
        {
            var directory = result.GetValue(dir)!.FullName;
            string[] names = result.GetValue(hosts) is { Length: > 0 } h ? h : DefaultHosts;
            using var ca = ConsortiumCa.Init(directory, result.GetValue(name)!, TimeSpan.FromDays(result.GetValue(days)), result.GetValue(force));
            var server = ca.IssueServer(names, TimeSpan.FromDays(Math.Min(result.GetValue(days), 825)));
            using (server.Certificate)
            {
                ConsortiumCa.WritePublic(Path.Combine(directory, CaFiles.ServerCertificate), server.CertificatePem);
                ConsortiumCa.WriteSecret(Path.Combine(directory, CaFiles.ServerKey), server.PrivateKeyPem!);
                string fingerprint = Convert.ToHexStringLower(ca.Certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
                AuditLog.OpenVerified(directory).Append(CommandErrors.CliActor(), "ca.init", new Dictionary<string, string>
                {
                    ["ca_subject"] = ca.Certificate.Subject,
                    ["ca_sha256"] = fingerprint,
                    ["server_hosts"] = string.Join(",", names),
                    ["server_serial"] = server.SerialNumber,
                });
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                    $"CA created in [blue]{directory}[/] (SHA-256 {fingerprint}); server certificate for {string.Join(", ", names)}.");
                AnsiConsole.MarkupLineInterpolated($"Keep [yellow]{CaFiles.Key}[/] and [yellow]{CaFiles.TokenKey}[/] secret. Next: coordinator enroll NAME --role participant --ca {directory} --out DIR");
            }
            return 0;
        }));
        var command = new Command("ca", "Consortium certificate authority.");
        command.Subcommands.Add(init);
        return command;
    }
}
