using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Hosting;

namespace Federated.Coordinator.Commands;

/// <summary><c>coordinator serve --config federation.json [--urls URL] [--rounds N] [--min-participants N] [--out DIR]</c>.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "JSON configuration file (a \"Federation\" section, optionally \"Urls\"); see coordinator/federation.example.json." };
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, e.g. https://0.0.0.0:5000 (TLS; http:// only with --Security:AllowInsecureLoopback=true on loopback)." };
        var ca = new Option<DirectoryInfo?>("--ca") { Description = "Consortium CA directory (Security:CaDir): trust anchor, token key, server certificate, default state directory." };
        var rounds = new Option<int?>("--rounds") { Description = "Overrides Federation:Rounds." };
        var minParticipants = new Option<int?>("--min-participants") { Description = "Overrides Federation:MinParticipants." };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Overrides Federation:OutDir (checkpoints and report.json)." };
        var encryption = new Option<string?>("--encryption") { Description = "Overrides Federation:Encryption: rlwe (default; the coordinator only decrypts sums) or none." };
        encryption.AcceptOnlyFromAmong("rlwe", "none");
        var stateDir = new Option<DirectoryInfo?>("--state") { Description = "Overrides Persistence:StateDir: where coordinator.db keeps the run's state (default: the --out directory). A restart with the same directory continues the run." };
        var addressFile = new Option<FileInfo?>("--address-file") { Description = "After start, write the bound address (the real port when --urls asks for port 0) to this file." };
        var command = new Command("serve", "Run a coordinator until the run ends (or Ctrl+C). Other settings: --Federation:Key=value.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Options.Add(config);
        command.Options.Add(urls);
        command.Options.Add(rounds);
        command.Options.Add(minParticipants);
        command.Options.Add(outDir);
        command.Options.Add(encryption);
        command.Options.Add(ca);
        command.Options.Add(stateDir);
        command.Options.Add(addressFile);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (result.GetValue(urls) is { } u) overrides["Urls"] = u;
            if (result.GetValue(rounds) is { } r) overrides["Federation:Rounds"] = r.ToString(CultureInfo.InvariantCulture);
            if (result.GetValue(minParticipants) is { } m) overrides["Federation:MinParticipants"] = m.ToString(CultureInfo.InvariantCulture);
            if (result.GetValue(outDir) is { } o) overrides["Federation:OutDir"] = o.FullName;
            if (result.GetValue(encryption) is { } e) overrides["Federation:Encryption"] = e;
            if (result.GetValue(ca) is { } c) overrides["Security:CaDir"] = c.FullName;
            if (result.GetValue(stateDir) is { } sd) overrides["Persistence:StateDir"] = sd.FullName;
            WebApplication app;
            try
            {
                app = CoordinatorHost.Build(result.UnmatchedTokens.ToArray(), result.GetValue(config)?.FullName, overrides);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 2;
            }
            await using (app.ConfigureAwait(false))
            {
                var run = app.GetFederationRun();
                await app.StartAsync(ct).ConfigureAwait(false);
                if (result.GetValue(addressFile) is { } file)
                {
                    await Reporting.AtomicFile.WriteAsync(file.FullName, System.Text.Encoding.UTF8.GetBytes(app.BoundAddresses()[0].ToString()), ct).ConfigureAwait(false);
                }
                await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
                return run.Ended is { IsCompletedSuccessfully: true } ended && !ended.Result.Completed ? 2 : 0;
            }
        });
        return command;
    }
}
