using System.Globalization;
using Federated.Coordinator.Demo;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Security;
using Federated.Core.Data.Generation;
using Federated.Core.Fairness;
using Federated.Core.Twin;
using Federated.Federation.Client;
using Spectre.Console;

namespace Federated.Coordinator.Fairness;

/// <summary>The demo's fairness parts: the cohort settings, the final per-cohort table, and the FedAvg vs q-FFL comparison.</summary>
internal static class FairnessDemo
{
    /// <summary>Settings publishing the generator's cohort vocabulary, with income_tier × building_age reported jointly.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings()
    {
        foreach (var (column, values) in new[] { (CohortValues.BuildingAge, CohortValues.Ages), (CohortValues.IncomeTier, CohortValues.IncomeTiers) })
        {
            for (int i = 0; i < values.Count; i++)
            {
                yield return new(string.Create(CultureInfo.InvariantCulture, $"Federation:Fairness:Cohorts:{column}:{i}"), values[i]);
            }
        }
        yield return new("Federation:Fairness:Combinations:0", CohortValues.IncomeTier + "*" + CohortValues.BuildingAge);
    }

    /// <summary>The per-cohort table of one report (suppressed cohorts shown as such, without numbers), one section per dimension.</summary>
    public static Table CohortTable(FairnessRoundReport report, string title)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table().Border(TableBorder.Rounded).Title(title)
            .AddColumns("Cohort", "N", "MAE", "RMSE", "Bias", "p90|e|", "Alert", "TPR", "FPR", "Prec.");
        foreach (var dimension in report.Cohorts.GroupBy(c => c.Dimension))
        {
            if (dimension.Key != CohortLayout.All)
            {
                table.AddRow("[bold]" + Markup.Escape(dimension.Key) + "[/]", "", "", "", "", "", "", "", "", "");
            }
            // Combinations have many (often empty) cells: list the published ones and count the rest.
            bool combination = dimension.Key.Contains(CohortLayout.CombinationSeparator, StringComparison.Ordinal);
            foreach (var c in dimension)
            {
                string name = "  " + Markup.Escape(c.Value);
                if (c.Suppressed)
                {
                    if (!combination)
                    {
                        table.AddRow(name, "[grey]suppressed[/]", "", "", "", "", "", "", "", "");
                    }
                    continue;
                }
                table.AddRow(name, c.Count?.ToString(CultureInfo.InvariantCulture) ?? "",
                    T(c.Mae), T(c.Rmse), T(c.Bias), T(c.P90AbsError), T(c.AlertRate), T(c.AlertTpr), T(c.AlertFpr), T(c.AlertPrecision));
            }
            int hidden = dimension.Count(c => c.Suppressed);
            if (combination && hidden > 0)
            {
                table.AddRow(string.Create(CultureInfo.InvariantCulture, $"  [grey]{hidden} cells suppressed[/]"), "", "", "", "", "", "", "", "", "");
            }
        }
        return table;

        static string T(double? v) => v?.ToString("F3", CultureInfo.InvariantCulture) ?? "-";
    }

    /// <summary>Worst-cohort RMSE and RMSE difference per single-column dimension (from the report's disparities).</summary>
    public static IEnumerable<(string Dimension, string? Worst, double? WorstRmse, double? Difference)> RmseSummary(FairnessRoundReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Disparities.Where(d => d.Metric == "rmse").Select(d => (d.Dimension, d.WorstCohort, d.WorstValue, d.Difference));
    }

    /// <summary>
    /// Runs the same federation again (same data, seed, rounds and settings) with q-FFL, fresh trainers, and prints the
    /// worst-cohort RMSE and the RMSE disparity of both runs. Returns the q-FFL report, or null when the run failed.
    /// </summary>
    public static async Task<FairnessRoundReport?> CompareQfflAsync(IReadOnlyDictionary<string, string?> fedAvgConfig, double q, IReadOnlyList<DemoSite> sites, TwinOptions options,
        DemoPki pki, FairnessRoundReport? fedAvg, string outDir, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fedAvgConfig);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(pki);
        var config = new Dictionary<string, string?>(fedAvgConfig, StringComparer.OrdinalIgnoreCase)
        {
            ["Federation:Strategy"] = "qffl",
            ["Federation:Qffl:Q"] = q.ToString(CultureInfo.InvariantCulture),
            ["Federation:OutDir"] = outDir,
            ["Federation:RunId"] = fedAvgConfig["Federation:RunId"] + "-qffl",
        };
        var trainers = sites.Select(s => new TwinTrainer(s.Train, s.Test, options)).ToArray();
        FairnessRoundReport? qffl = null;
        bool completed = false;
        string? failure = null;
        try
        {
            await AnsiConsole.Status().StartAsync(string.Create(CultureInfo.InvariantCulture, $"Running the same federation with q-FFL (q = {q})…"), async _ =>
            {
                var coordinator = await InProcessCoordinator.StartAsync(config, new Models.TwinModelSource(options), quiet: true, cancellationToken: ct).ConfigureAwait(false);
                await using (coordinator.ConfigureAwait(false))
                {
                    var workers = sites.Select((site, i) => new ParticipantWorker(new FederationClient(pki.Channel(site.SiteId, coordinator.Address).CreateCallInvoker()), trainers[i],
                        new ParticipantOptions { Coordinator = coordinator.Address, SiteId = site.SiteId }).RunAsync(ct)).ToArray();
                    var all = Task.WhenAll(workers);
                    // A participant that dies would leave the round waiting for its deadline: stop and say why.
                    while (!all.IsCompleted && !workers.Any(w => w.IsFaulted))
                    {
                        await Task.WhenAny(all, Task.Delay(250, ct)).ConfigureAwait(false);
                    }
                    if (workers.Select((w, i) => (w, i)).FirstOrDefault(x => x.w.IsFaulted) is ({ } failed, int index))
                    {
                        failure = $"participant {sites[index].SiteId} failed: {failed.Exception!.GetBaseException()}";
                        return;
                    }
                    var ended = await coordinator.Run.Ended.ConfigureAwait(false);
                    completed = ended.Completed;
                    var reports = coordinator.Run.FairnessReports;
                    qffl = reports.Count > 0 ? reports[^1] : null;
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            foreach (var t in trainers)
            {
                t.Dispose();
            }
        }
        if (failure is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]q-FFL run stopped:[/] {failure}");
        }
        var table = new Table().Border(TableBorder.Rounded).Title("FedAvg vs q-FFL: global model, final round, RMSE (K) by cohort dimension")
            .AddColumns("Dimension", "FedAvg worst cohort", "FedAvg worst RMSE", "FedAvg RMSE max−min", "q-FFL worst cohort", "q-FFL worst RMSE", "q-FFL RMSE max−min");
        var a = fedAvg is null ? [] : RmseSummary(fedAvg).ToDictionary(x => x.Dimension, StringComparer.Ordinal);
        var b = qffl is null ? [] : RmseSummary(qffl).ToDictionary(x => x.Dimension, StringComparer.Ordinal);
        foreach (var dimension in a.Keys.Union(b.Keys, StringComparer.Ordinal))
        {
            var x = a.GetValueOrDefault(dimension);
            var y = b.GetValueOrDefault(dimension);
            table.AddRow(Markup.Escape(dimension), Markup.Escape(x.Worst ?? "-"), F(x.WorstRmse), F(x.Difference), Markup.Escape(y.Worst ?? "-"), F(y.WorstRmse), F(y.Difference));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Overall RMSE: FedAvg {F(fedAvg?.Cohorts[0].Rmse)} K, q-FFL {F(qffl?.Cohorts[0].Rmse)} K (q-FFL run {(completed ? "completed" : "did not complete")}; its files are in [blue]{outDir}[/]).");
        return qffl;
    }

    private static string F(double? v) => v?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
}
