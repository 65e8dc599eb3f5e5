using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Audit;
using Federated.Coordinator.Security;
using Federated.Federation.Security;
using Spectre.Console;

namespace Federated.Coordinator.Commands;

/// <summary>
/// <c>coordinator enroll NAME --role participant|operator|researcher|server --ca DIR --out DIR [--days 90]
/// [--csr FILE] [--host NAME]... [--state DIR]</c>: issues an identity from the consortium CA into an identity
/// directory (client.crt.pem, client.key.pem, ca.crt.pem and, for operators and researchers, a bearer token), or
/// with <c>--role server</c> the coordinator's server certificate. Appended to the audit log of --state (default: the CA directory).
/// </summary>
internal static class EnrollCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Identity name; for a participant its site id ([A-Za-z0-9._-], at most 64)." };
        var role = new Option<string>("--role") { Description = "participant, operator, researcher, or server (the coordinator's TLS certificate).", Required = true };
        role.AcceptOnlyFromAmong("participant", "operator", "researcher", "server");
        var ca = new Option<DirectoryInfo>("--ca") { Description = "The consortium CA directory (from `coordinator ca init`).", Required = true };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Identity directory to write (for --role server: default the CA directory)." };
        var days = new Option<int>("--days") { Description = "Validity in days (certificate and token).", DefaultValueFactory = _ => 90 };
        var csr = new Option<FileInfo?>("--csr") { Description = "PKCS#10 request (PEM): the holder keeps its key, none is written." };
        var hosts = new Option<string[]>("--host") { Description = "For --role server: host names or IP addresses (repeatable).", AllowMultipleArgumentsPerToken = true };
        var state = new Option<DirectoryInfo?>("--state") { Description = "Coordinator state directory whose audit.jsonl records this (default: the CA directory)." };
        var command = new Command("enroll", "Issue a certificate (and for operators and researchers a bearer token) from the consortium CA.")
        {
            name, role, ca, outDir, days, csr, hosts, state,
        };
        command.SetAction(result => CommandErrors.Run(() =>
        {
            string identity = result.GetValue(name)!;
            string roleName = result.GetValue(role)!;
            string caDir = result.GetValue(ca)!.FullName;
            var validity = TimeSpan.FromDays(result.GetValue(days));
            if (validity <= TimeSpan.Zero)
            {
                throw new ArgumentException("--days must be at least 1.");
            }
            using var authority = ConsortiumCa.Load(caDir, requireKey: true);
            var audit = AuditLog.OpenVerified(result.GetValue(state)?.FullName ?? caDir);
            if (roleName == "server")
            {
                string target = result.GetValue(outDir)?.FullName ?? caDir;
                string[] names = result.GetValue(hosts) is { Length: > 0 } h ? h : CaCommand.DefaultHosts;
                var server = authority.IssueServer(names, validity);
                using (server.Certificate)
                {
                    Directory.CreateDirectory(target);
                    ConsortiumCa.WritePublic(Path.Combine(target, CaFiles.ServerCertificate), server.CertificatePem);
                    ConsortiumCa.WriteSecret(Path.Combine(target, CaFiles.ServerKey), server.PrivateKeyPem!);
                    audit.Append(CommandErrors.CliActor(), "server.enroll", new Dictionary<string, string>
                    {
                        ["hosts"] = string.Join(",", names), ["serial"] = server.SerialNumber, ["sha256"] = server.Fingerprint,
                    });
                    AnsiConsole.MarkupLineInterpolated($"Server certificate for {string.Join(", ", names)} written to [blue]{target}[/].");
                }
                return 0;
            }
            if (!IdentityUri.IsValidName(identity))
            {
                throw new ArgumentException($"NAME \"{identity}\" is invalid: use 1-64 characters from [A-Za-z0-9._-].");
            }
            if (!FederationRoles.TryParse(roleName, out var parsed))
            {
                throw new ArgumentException($"--role \"{roleName}\" is not participant, operator, researcher or server.");
            }
            var revoked = new RevocationList(result.GetValue(state)?.FullName ?? caDir).Find(identity);
            if (revoked is not null)
            {
                throw new InvalidOperationException($"\"{identity}\" was revoked at {revoked.RevokedAt:O}; enrol under a new name.");
            }
            string dir = (result.GetValue(outDir) ?? throw new ArgumentException("--out DIR is required for a client identity.")).FullName;
            string? request = result.GetValue(csr) is { } file ? File.ReadAllText(file.FullName) : null;
            var issued = authority.IssueClient(identity, parsed, validity, request);
            using (issued.Certificate)
            {
                Directory.CreateDirectory(dir);
                ConsortiumCa.WritePublic(Path.Combine(dir, IdentityFiles.Certificate), issued.CertificatePem);
                ConsortiumCa.WritePublic(Path.Combine(dir, IdentityFiles.CaCertificate), authority.Certificate.ExportCertificatePem());
                if (issued.PrivateKeyPem is { } key)
                {
                    ConsortiumCa.WriteSecret(Path.Combine(dir, IdentityFiles.Key), key);
                }
                bool token = parsed != FederationRole.Participant && authority.HasTokenKey;
                if (token)
                {
                    ConsortiumCa.WriteSecret(Path.Combine(dir, IdentityFiles.Token), authority.IssueToken(identity, parsed, validity));
                }
                audit.Append(CommandErrors.CliActor(), "identity.enroll", new Dictionary<string, string>
                {
                    ["name"] = identity,
                    ["role"] = roleName,
                    ["serial"] = issued.SerialNumber,
                    ["sha256"] = issued.Fingerprint,
                    ["not_after"] = issued.Certificate.NotAfter.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                    ["token_issued"] = token ? "true" : "false",
                });
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                    $"Enrolled [green]{identity}[/] as {roleName} until {issued.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}: [blue]{dir}[/] ({IdentityFiles.Certificate}, {(issued.PrivateKeyPem is null ? "" : IdentityFiles.Key + ", ")}{IdentityFiles.CaCertificate}{(token ? ", " + IdentityFiles.Token : "")}).");
            }
            return 0;
        }));
        return command;
    }
}
