using System.CommandLine;
using System.Globalization;
using Federated.Core.Data;
using Federated.Core.Federation;
using Federated.Core.Twin;
using Federated.Federation.Client;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Federated.Participant.Commands;

/// <summary>
/// <c>participant run --coordinator URL --data site.csv --site-id NAME [--cohort-columns a,b] [--test-days 14]
/// [--identity DIR | --client-cert F --client-key F --ca F]</c>:
/// takes part in a federation until the coordinator ends the run. Settings may also come from appsettings.json,
/// environment variables (<c>Participant__SiteId</c>) or <c>--Participant:Key=value</c>.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var coordinator = new Option<string>("--coordinator") { Description = "Coordinator address, e.g. https://127.0.0.1:5000 (http:// only with --Security:AllowInsecureLoopback=true on loopback).", Required = true };
        var siteId = new Option<string>("--site-id") { Description = "This site's identifier in the run ([A-Za-z0-9._-], at most 64).", Required = true };
        var data = CommandLineOptions.Data();
        var cohorts = CommandLineOptions.CohortColumns();
        var testDays = CommandLineOptions.TestDays();
        var identity = new Option<DirectoryInfo?>("--identity") { Description = "Identity directory from `coordinator enroll` (client.crt.pem, client.key.pem, ca.crt.pem)." };
        var clientCert = new Option<FileInfo?>("--client-cert") { Description = "PEM client certificate issued by the consortium CA (instead of --identity)." };
        var clientKey = new Option<FileInfo?>("--client-key") { Description = "PEM private key of --client-cert." };
        var ca = new Option<FileInfo?>("--ca") { Description = "PEM certificate of the consortium CA, the only CA trusted for the coordinator's certificate." };
        var reweighting = new Option<bool>("--cohort-reweighting") { Description = "Fairness-aware local training: draw training windows inversely to their cohort's local frequency." };
        var command = new Command("run", "Join a federation: train on this site's data each round, upload only the model delta, report evaluation sums.")
        {
            coordinator, siteId, data, cohorts, testDays, identity, clientCert, clientKey, ca, reweighting,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var site = await SiteCsvReader.ReadAsync(result.GetValue(data)!.FullName, result.GetValue(cohorts) ?? [], cancellationToken).ConfigureAwait(false);
            var (train, test) = site.SplitLastDays(result.GetValue(testDays));
            using var trainer = new TwinTrainer(train, test, new TwinOptions { CohortReweighting = result.GetValue(reweighting) });

            var builder = Host.CreateApplicationBuilder(result.UnmatchedTokens.ToArray());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Participant:Coordinator"] = result.GetValue(coordinator),
                ["Participant:SiteId"] = result.GetValue(siteId),
            }.Concat(new Dictionary<string, string?>
            {
                ["Security:Identity"] = result.GetValue(identity)?.FullName,
                ["Security:ClientCertificate"] = result.GetValue(clientCert)?.FullName,
                ["Security:ClientKey"] = result.GetValue(clientKey)?.FullName,
                ["Security:CaCertificate"] = result.GetValue(ca)?.FullName,
            }.Where(kv => kv.Value is not null)));
            builder.Services.AddSingleton<ILocalTrainer>(trainer);
            builder.Services.AddParticipant();
            using var host = builder.Build();
            var outcome = host.Services.GetRequiredService<ParticipantRunOutcome>();
            await host.RunAsync(cancellationToken).ConfigureAwait(false);

            if (outcome.Error is RpcException rpc)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] the coordinator answered {rpc.StatusCode}: {rpc.Status.Detail}");
                return 3;
            }
            if (outcome.Error is not null)
            {
                throw outcome.Error;
            }
            if (outcome.Result is not { } run)
            {
                return 130;
            }
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Run {(run.Completed ? "[green]completed[/]" : "[yellow]ended[/]")}: {run.RoundsCompleted} rounds, trained in {run.RoundsTrained}, uploaded {run.BytesUploaded / 1024.0:F0} KiB, downloaded {run.BytesDownloaded / 1024.0:F0} KiB."));
            return run.Completed ? 0 : 4;
        }, cancellationToken));
        return command;
    }
}
