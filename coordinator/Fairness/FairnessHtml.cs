using System.Globalization;
using System.Net;
using System.Text;
using Federated.Core.Fairness;
using Federated.Coordinator.Reporting;
using ScottPlot;

namespace Federated.Coordinator.Fairness;

/// <summary>
/// The HTML fairness report: the last round's per-cohort table and disparities, and charts rendered with ScottPlot
/// (per-cohort RMSE over rounds, disparities over rounds, alert rates by cohort). Charts are PNG files in
/// <c>charts/</c> beside the HTML and are also embedded in it, so the page stands alone.
/// </summary>
internal static class FairnessHtml
{
    private const int Width = 1000;
    private const int Height = 380;

    public static async Task WriteAsync(string runId, IReadOnlyList<FairnessRoundReport> reports, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0)
        {
            return;
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string charts = Path.Combine(folder, "charts");
        Directory.CreateDirectory(charts);
        var last = reports[^1];
        var dimensions = last.Cohorts.Skip(1).Select(c => c.Dimension).Distinct(StringComparer.Ordinal).ToArray();
        var singles = dimensions.Where(d => !d.Contains(CohortLayout.CombinationSeparator, StringComparison.Ordinal)).ToArray();

        var figures = new List<(string Title, string File)>();
        int index = 0;
        foreach (var dimension in singles)
        {
            figures.Add(($"RMSE by {dimension} over rounds", await SaveAsync(charts, $"{++index:D2}-rmse-{Slug(dimension)}.png", RmseOverRounds(reports, dimension), cancellationToken).ConfigureAwait(false)));
        }
        figures.Add(("Disparities over rounds", await SaveAsync(charts, $"{++index:D2}-disparity.png", DisparityOverRounds(reports, dimensions), cancellationToken).ConfigureAwait(false)));
        foreach (var dimension in singles)
        {
            figures.Add(($"Comfort alerts by {dimension}, round {last.Round}", await SaveAsync(charts, $"{++index:D2}-alerts-{Slug(dimension)}.png", AlertRates(last, dimension), cancellationToken).ConfigureAwait(false)));
        }

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fairness report ").Append(E(runId)).Append("</title><style>")
            .Append("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0;font-size:13px}")
            .Append("th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#eee}td.l{text-align:left}tr.s td{color:#999;font-style:italic}")
            .Append("img{display:block;margin:1em 0;border:1px solid #ddd}</style></head><body>");
        html.Append("<h1>Fairness report</h1><p>Run <b>").Append(E(runId)).Append("</b>, ").Append(reports.Count.ToString(CultureInfo.InvariantCulture))
            .Append(" round(s). Every number is computed from consortium-wide sums of the sites' cohort statistics; no site's own numbers exist on the coordinator. Cohorts with fewer than ")
            .Append(last.MinCohortSize.ToString(CultureInfo.InvariantCulture)).Append(" forecast rows are suppressed. Errors are 24-hour-ahead forecast errors (predicted − observed, K); the comfort alert is a forecast outside the comfort band at the forecast hour.</p>");
        html.Append("<h2>Round ").Append(last.Round.ToString(CultureInfo.InvariantCulture)).Append(" (model version ").Append(last.ModelVersion.ToString(CultureInfo.InvariantCulture))
            .Append(", ").Append(last.ReportingSites.ToString(CultureInfo.InvariantCulture)).Append(" reporting sites)</h2>");
        html.Append("<table><tr><th>dimension</th><th>cohort</th><th>n</th><th>MAE</th><th>RMSE</th><th>bias</th><th>median |e|</th><th>p90 |e|</th><th>alert rate</th><th>TPR</th><th>FPR</th><th>precision</th><th>violation rate</th></tr>");
        foreach (var c in last.Cohorts)
        {
            if (c.Suppressed)
            {
                html.Append("<tr class=\"s\"><td class=\"l\">").Append(E(c.Dimension)).Append("</td><td class=\"l\">").Append(E(c.Value))
                    .Append("</td><td colspan=\"11\" class=\"l\">suppressed: ").Append(E(c.SuppressionReason ?? "")).Append("</td></tr>");
                continue;
            }
            html.Append("<tr><td class=\"l\">").Append(E(c.Dimension)).Append("</td><td class=\"l\">").Append(E(c.Value)).Append("</td><td>")
                .Append(c.Count?.ToString("N0", CultureInfo.InvariantCulture)).Append("</td>");
            foreach (var v in new[] { c.Mae, c.Rmse, c.Bias, c.MedianAbsError, c.P90AbsError, c.AlertRate, c.AlertTpr, c.AlertFpr, c.AlertPrecision, c.ViolationRate })
            {
                html.Append("<td>").Append(F(v)).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</table><h2>Disparities (round ").Append(last.Round.ToString(CultureInfo.InvariantCulture)).Append(")</h2>");
        html.Append("<table><tr><th>dimension</th><th>metric</th><th>difference (max − min)</th><th>ratio (min / max)</th><th>worst cohort</th><th>worst value</th><th>cohorts</th></tr>");
        foreach (var d in last.Disparities)
        {
            html.Append("<tr><td class=\"l\">").Append(E(d.Dimension)).Append("</td><td class=\"l\">").Append(E(d.Metric)).Append("</td><td>").Append(F(d.Difference))
                .Append("</td><td>").Append(F(d.Ratio)).Append("</td><td class=\"l\">").Append(E(d.WorstCohort ?? "")).Append("</td><td>").Append(F(d.WorstValue))
                .Append("</td><td>").Append(d.Cohorts.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>");
        }
        html.Append("</table>");
        foreach (var note in last.Notes)
        {
            html.Append("<p><i>").Append(E(note)).Append("</i></p>");
        }
        html.Append("<h2>Charts</h2>");
        foreach (var (title, file) in figures)
        {
            byte[] png = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
            html.Append("<h3>").Append(E(title)).Append("</h3><img alt=\"").Append(E(title)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\">");
        }
        html.Append("</body></html>\n");
        await AtomicFile.WriteAsync(path, Encoding.UTF8.GetBytes(html.ToString()), cancellationToken).ConfigureAwait(false);
    }

    private static Plot RmseOverRounds(IReadOnlyList<FairnessRoundReport> reports, string dimension)
    {
        var plot = new Plot();
        var values = reports[^1].Cohorts.Where(c => c.Dimension == dimension).Select(c => c.Value).ToArray();
        foreach (var value in values.Prepend(CohortLayout.All))
        {
            var points = reports.Select(r => (X: (double)r.Round, Y: (value == CohortLayout.All ? r.Cohorts[0] : r.Cohorts.FirstOrDefault(c => c.Dimension == dimension && c.Value == value))?.Rmse))
                .Where(p => p.Y is not null).ToArray();
            if (points.Length == 0)
            {
                continue;
            }
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y!.Value).ToArray());
            line.LegendText = value == CohortLayout.All ? "all (consortium)" : value;
            if (value == CohortLayout.All)
            {
                line.LineWidth = 3;
                line.LinePattern = LinePattern.Dashed;
            }
        }
        plot.Title($"Forecast RMSE by {dimension} (suppressed cohorts omitted)");
        plot.XLabel("round");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.YLabel("RMSE (K)");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static Plot DisparityOverRounds(IReadOnlyList<FairnessRoundReport> reports, IReadOnlyList<string> dimensions)
    {
        var plot = new Plot();
        foreach (var dimension in dimensions)
        {
            foreach (var metric in new[] { "rmse", "equalized_odds", "demographic_parity" })
            {
                var points = reports.Select(r => (X: (double)r.Round, Y: r.Find(dimension, metric)?.Difference)).Where(p => p.Y is not null).ToArray();
                if (points.Length == 0)
                {
                    continue;
                }
                var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y!.Value).ToArray());
                line.LegendText = $"{dimension}: {(metric == "rmse" ? "RMSE difference (K)" : metric.Replace('_', ' ') + " difference")}";
            }
        }
        plot.Title("Disparities across cohorts (max − min)");
        plot.XLabel("round");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.YLabel("difference");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static Plot AlertRates(FairnessRoundReport report, string dimension)
    {
        var plot = new Plot();
        var cohorts = report.Cohorts.Where(c => c.Dimension == dimension && !c.Suppressed).ToArray();
        var series = new (string Name, Func<CohortResult, double?> Get)[]
        {
            ("alert rate", c => c.AlertRate), ("observed violation rate", c => c.ViolationRate), ("TPR", c => c.AlertTpr), ("FPR", c => c.AlertFpr),
        };
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        for (int s = 0; s < series.Length; s++)
        {
            for (int i = 0; i < cohorts.Length; i++)
            {
                if (series[s].Get(cohorts[i]) is { } v)
                {
                    bars.Add(new Bar { Position = (i * (series.Length + 1)) + s, Value = v, FillColor = palette.GetColor(s) });
                }
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = palette.GetColor(s) });
        }
        if (bars.Count > 0)
        {
            plot.Add.Bars(bars);
        }
        var ticks = cohorts.Select((c, i) => new Tick((i * (series.Length + 1)) + ((series.Length - 1) / 2.0), c.Value)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"Comfort alerts by {dimension} (round {report.Round})");
        plot.YLabel("rate");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static async Task<string> SaveAsync(string folder, string name, Plot plot, CancellationToken cancellationToken)
    {
        string path = Path.Combine(folder, name);
        byte[] png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        await AtomicFile.WriteAsync(path, png, cancellationToken).ConfigureAwait(false);
        return path;
    }

    private static string Slug(string text) => new(text.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray());

    private static string F(double? v) => v?.ToString("F3", CultureInfo.InvariantCulture) ?? "–";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
