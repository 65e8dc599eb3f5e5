using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Demo;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Reporting;
using Federated.Core.Data.Generation;
using Federated.Core.Federation;
using Federated.Core.Twin;
using Federated.Federation.Client;
using Federated.Federation.Transport;
using Spectre.Console;

namespace Federated.Coordinator.Commands;

/// <summary>
/// <c>coordinator demo [--participants 4] [--rounds 10] [--out DIR]</c>: generates N sites' data, starts a coordinator
/// and N participants in this process over real loopback gRPC, runs the rounds with a live view, then compares, per
/// site and on the cohort that site under-represents, the federated twin with the untrained twin, a persistence
/// forecast and the twin trained on that site alone. Writes DIR/report.json.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var participants = new Option<int>("--participants") { Description = "Sites (participants).", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Federated rounds.", DefaultValueFactory = _ => 10 };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Output folder (data, checkpoints, report.json).", DefaultValueFactory = _ => new DirectoryInfo("demo-out") };
        var localSteps = new Option<int>("--local-steps") { Description = "Local optimiser steps per round.", DefaultValueFactory = _ => 150 };
        var learningRate = new Option<double>("--learning-rate") { Description = "Local learning rate.", DefaultValueFactory = _ => 3e-3 };
        var batchSize = new Option<int>("--batch-size") { Description = "Rollout windows per step.", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "Seed of the data, the initial model and sampling.", DefaultValueFactory = _ => 1 };
        var encryption = new Option<string>("--encryption") { Description = "rlwe (default: the coordinator only decrypts sums) or none (plain updates).", DefaultValueFactory = _ => "rlwe" };
        encryption.AcceptOnlyFromAmong("rlwe", "none");
        var compareQffl = new Option<bool>("--compare-qffl") { Description = "Afterwards run the same federation (data, seed, rounds) with q-FFL and compare worst-cohort RMSE and RMSE disparity." };
        var qfflQ = new Option<double>("--qffl-q") { Description = "q of q-FFL for --compare-qffl.", DefaultValueFactory = _ => 1.0 };
        var reweighting = new Option<bool>("--cohort-reweighting") { Description = "Local training draws windows inversely to their cohort's local frequency." };
        var command = new Command("demo", "Run a complete federation on generated data over loopback gRPC and compare the federated twin with baselines.")
        {
            participants, rounds, outDir, localSteps, learningRate, batchSize, seed, encryption, compareQffl, qfflQ, reweighting,
        };
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            var settings = new DemoSettings(
                result.GetValue(participants), result.GetValue(rounds), result.GetValue(outDir)!.FullName,
                result.GetValue(localSteps), result.GetValue(learningRate), result.GetValue(batchSize), result.GetValue(seed), result.GetValue(encryption)!)
            {
                CompareQffl = result.GetValue(compareQffl),
                QfflQ = result.GetValue(qfflQ),
                CohortReweighting = result.GetValue(reweighting),
            };
            try
            {
                return await RunAsync(settings, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
                return 130;
            }
        });
        return command;
    }

    private sealed record DemoSettings(int Participants, int Rounds, string OutDir, int LocalSteps, double LearningRate, int BatchSize, int Seed, string Encryption = "rlwe")
    {
        public bool CompareQffl { get; init; }
        public double QfflQ { get; init; } = 1;
        public bool CohortReweighting { get; init; }
    }

    private static async Task<int> RunAsync(DemoSettings s, CancellationToken ct)
    {
        if (s.Participants is < 1 or > 99 || s.Rounds < 1 || s.LocalSteps < 1 || s.BatchSize < 1 || !(s.LearningRate > 0))
        {
            AnsiConsole.MarkupLine("[red]error:[/] --participants must be 1-99, --rounds, --local-steps and --batch-size at least 1, --learning-rate positive.");
            return 2;
        }
        Directory.CreateDirectory(s.OutDir);
        var generated = await SiteDataGenerator.GenerateAsync(
            new GeneratorOptions { Sites = s.Participants, Seed = s.Seed, Overwrite = true }, Path.Combine(s.OutDir, "data"), null, ct).ConfigureAwait(false);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Generated {generated.Manifest.Sites.Count} sites in [blue]{generated.OutputDirectory}[/] (train until {generated.Manifest.SplitUtc:yyyy-MM-dd}, test until {generated.Manifest.EndUtc:yyyy-MM-dd}).");

        var twinOptions = new TwinOptions { CohortReweighting = s.CohortReweighting };
        var sites = new List<DemoSite>();
        try
        {
            foreach (var site in generated.Manifest.Sites)
            {
                sites.Add(await DemoSite.LoadAsync(generated, site, twinOptions, ct).ConfigureAwait(false));
            }
            return await FederateAsync(s, twinOptions, sites, ct).ConfigureAwait(false);
        }
        finally
        {
            sites.ForEach(site => site.Dispose());
        }
    }

    private static async Task<int> FederateAsync(DemoSettings s, TwinOptions twinOptions, List<DemoSite> sites, CancellationToken ct)
    {
        // Mutual TLS on loopback with an ephemeral consortium CA; OUT/pki also holds the run's audit log.
        using var pki = Security.DemoPki.Create(Path.Combine(s.OutDir, "pki"), sites.Select(x => x.SiteId));
        var config = new Dictionary<string, string?>
        {
            ["Security:CaDir"] = pki.Directory,
            ["Federation:RunId"] = "demo-" + s.Seed.ToString(CultureInfo.InvariantCulture),
            ["Federation:MinParticipants"] = s.Participants.ToString(CultureInfo.InvariantCulture),
            ["Federation:Rounds"] = s.Rounds.ToString(CultureInfo.InvariantCulture),
            ["Federation:LocalSteps"] = s.LocalSteps.ToString(CultureInfo.InvariantCulture),
            ["Federation:LearningRate"] = s.LearningRate.ToString(CultureInfo.InvariantCulture),
            ["Federation:BatchSize"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Federation:Seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["Federation:Model"] = "twin",
            ["Federation:OutDir"] = s.OutDir,
            // Rounds take 5-30 s here even on a loaded 2-core machine; a site that stops answering costs at most this.
            ["Federation:RoundDeadline"] = "00:03:00",
            ["Federation:Encryption"] = s.Encryption,
        };
        // Fairness: the generator's cohort vocabulary, published to every site (coordinator/Fairness/FairnessDemo).
        foreach (var (key, value) in Fairness.FairnessDemo.Settings())
        {
            config[key] = value;
        }
        var display = new DemoDisplay(sites.Select(x => x.SiteId).ToArray(), s.Rounds);
        var coordinator = await InProcessCoordinator.StartAsync(config, new Models.TwinModelSource(twinOptions), quiet: true, cancellationToken: ct).ConfigureAwait(false);
        var run = coordinator.Run;
        IReadOnlyList<ParticipantRunResult> results;
        ParticipantWorker[] participantWorkers;
        await using (coordinator.ConfigureAwait(false))
        {
            AnsiConsole.MarkupLineInterpolated($"Coordinator listening on [blue]{coordinator.Address}[/] (mutual TLS, consortium CA in {pki.Directory}); {sites.Count} participants joining over loopback gRPC.");
            AnsiConsole.MarkupLineInterpolated($"Encryption: [blue]{(run.IsEncrypted ? "rlwe — updates, sample counts, losses and evaluation sums travel encrypted; the coordinator decrypts only sums" : "none — plain updates")}[/].");
            participantWorkers = sites.Select(site => new ParticipantWorker(new FederationClient(pki.Channel(site.SiteId, coordinator.Address).CreateCallInvoker()), site.Trainer,
                new ParticipantOptions { Coordinator = coordinator.Address, SiteId = site.SiteId }, progress: display)).ToArray();
            var workers = participantWorkers.Select(w => w.RunAsync(ct)).ToArray();
            var all = Task.WhenAll(workers);
            await AnsiConsole.Live(display.Render(run)).AutoClear(false).StartAsync(async live =>
            {
                // A participant that dies would leave the others waiting for a quorum: stop and say which one and why.
                while (!all.IsCompleted && !workers.Any(w => w.IsFaulted))
                {
                    live.UpdateTarget(display.Render(run));
                    await Task.WhenAny(all, Task.Delay(250, ct)).ConfigureAwait(false);
                }
                live.UpdateTarget(display.Render(run));
            }).ConfigureAwait(false);
            if (workers.Select((w, i) => (w, i)).FirstOrDefault(x => x.w.IsFaulted) is ({ } failed, int index))
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Participant {sites[index].SiteId} failed:[/] {failed.Exception!.GetBaseException().Message}");
                return 1;
            }
            results = await all.ConfigureAwait(false);
        }

        var ended = await run.Ended.ConfigureAwait(false);
        var final = run.CurrentModel.Values;
        var initial = TwinSharedModel.Initial(twinOptions, s.Seed);
        var localPlan = new TrainingPlan(1, s.Rounds * s.LocalSteps, s.LearningRate, s.BatchSize, s.Seed);
        var comparisons = new List<SiteComparison>();
        await AnsiConsole.Status().StartAsync($"Training each site alone ({localPlan.LocalSteps} steps) for the comparison…", async _ =>
        {
            foreach (var site in sites)
            {
                var sums = await Task.Run(() => site.Compare(final, initial, localPlan, ct), ct).ConfigureAwait(false);
                double? F(EvaluationSums e) => e.Count == 0 ? null : e.Rmse;
                bool beats = sums.Federated.Count > 0
                    && sums.Federated.Rmse < sums.Untrained.Rmse && sums.Federated.Rmse < sums.Persistence.Rmse && sums.Federated.Rmse < sums.LocalOnly.Rmse;
                comparisons.Add(new SiteComparison(site.SiteId, site.CohortLabel, sums.Federated.Count,
                    F(sums.Federated), F(sums.Untrained), F(sums.Persistence), F(sums.LocalOnly), beats));
            }
        }).ConfigureAwait(false);

        var overhead = Encryption.RoundOverhead.From(run.Records, participantWorkers);
        var report = RunReport.From(run, ended.Completed, comparisons, overhead);
        string reportPath = Path.Combine(s.OutDir, "report.json");
        await report.WriteAsync(reportPath, ct).ConfigureAwait(false);
        PrintSummary(s, run.Records, comparisons, results, reportPath, ended.Completed, ended.Reason, twinOptions.Horizon);
        AnsiConsole.Write(Encryption.RoundOverhead.Render(overhead, report.Encryption));
        // Fairness: the last round's per-cohort table (consortium sums only) and the HTML report with its charts.
        var fairnessReports = run.FairnessReports;
        var fairness = fairnessReports.Count > 0 ? fairnessReports[^1] : null;
        if (fairness is not null)
        {
            AnsiConsole.Write(Fairness.FairnessDemo.CohortTable(fairness, string.Create(CultureInfo.InvariantCulture,
                $"Global model by cohort, round {fairness.Round} (consortium-wide sums; fewer than {fairness.MinCohortSize} rows → suppressed)")));
            AnsiConsole.MarkupLineInterpolated($"Fairness report: [blue]{Fairness.FairnessFiles.HtmlPath(s.OutDir)}[/] (per-round JSON and CSV beside it).");
        }
        if (s.CompareQffl)
        {
            await Fairness.FairnessDemo.CompareQfflAsync(config, s.QfflQ, sites, twinOptions, pki, fairness, Path.Combine(s.OutDir, "qffl"), ct).ConfigureAwait(false);
        }
        return ended.Completed ? 0 : 1;
    }

    private static void PrintSummary(DemoSettings s, IReadOnlyList<Federation.RoundRecord> records, List<SiteComparison> comparisons,
        IReadOnlyList<ParticipantRunResult> results, string reportPath, bool completed, string reason, int horizon)
    {
        long moved = records.Sum(r => r.BytesUploaded + r.BytesDownloaded);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Run {(completed ? "[green]completed[/]" : "[red]did not complete[/]")} ({Markup.Escape(reason)}): {records.Count(r => r.Phase == Rounds.RoundPhase.Completed)}/{s.Rounds} rounds, {moved / 1024.0 / 1024.0:F2} MiB moved, {records.Sum(r => r.WallSeconds):F1} s in rounds."));
        if (records.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"Validation RMSE of the global model (all sites' test periods): round 1 {DemoDisplay.Number(records[0].ValidationRmse, "F4")} K → round {records[^1].Round} {DemoDisplay.Number(records[^1].ValidationRmse, "F4")} K.");
        }
        var table = new Table().Border(TableBorder.Rounded)
            .Title(string.Create(CultureInfo.InvariantCulture, $"Test-period RMSE (K), {horizon} h ahead, on the cohort each site under-represents"))
            .AddColumns("Site", "Cohort", "N", "Federated", "Untrained", "Persistence", "Alone", "Best?");
        foreach (var c in comparisons)
        {
            table.AddRow(
                Markup.Escape(c.SiteId), Markup.Escape((c.Cohort ?? "").Split('=')[^1]), c.Predictions.ToString("N0", CultureInfo.InvariantCulture),
                Value(c.Federated), Value(c.Untrained), Value(c.Persistence), Value(c.LocalOnly),
                c.BeatsAll ? "[green]yes[/]" : "[red]no[/]");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Federated twin best on {comparisons.Count(c => c.BeatsAll)} of {comparisons.Count} sites. Uploads: {results.Sum(r => r.Uploads.Count)}; report: [blue]{reportPath}[/]");

        static string Value(double? v) => v is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : "-";
    }
}
