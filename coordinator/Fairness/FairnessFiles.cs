using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Federated.Coordinator.Federation;
using Federated.Coordinator.Reporting;

namespace Federated.Coordinator.Fairness;

/// <summary>
/// The fairness report files under the run's output folder: <c>fairness/round-NNNN.json</c> and <c>.csv</c> per
/// completed round, and, once the run has ended, <c>fairness/fairness.html</c> with its charts (also kept as PNG files
/// in <c>fairness/charts/</c>). All written atomically; they hold consortium-wide numbers only.
/// </summary>
internal static class FairnessFiles
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Folder(string outDir) => Path.Combine(outDir, "fairness");

    public static string HtmlPath(string outDir) => Path.Combine(Folder(outDir), "fairness.html");

    /// <summary>Writes the per-round files of every report (cheap), and the HTML report once the run has ended.</summary>
    public static async Task WriteAsync(FederationRun run, string outDir, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var reports = run.FairnessReports;
        if (reports.Count == 0)
        {
            return;
        }
        string folder = Folder(outDir);
        Directory.CreateDirectory(folder);
        foreach (var report in reports)
        {
            string stem = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"round-{report.Round:D4}"));
            await AtomicFile.WriteAsync(stem + ".json", ToJson(report, run.RunId), cancellationToken).ConfigureAwait(false);
            await AtomicFile.WriteAsync(stem + ".csv", Encoding.UTF8.GetBytes(ToCsv(report)), cancellationToken).ConfigureAwait(false);
        }
        if (run.Ended.IsCompleted)
        {
            await FairnessHtml.WriteAsync(run.RunId, reports, HtmlPath(outDir), cancellationToken).ConfigureAwait(false);
        }
    }

    public static byte[] ToJson(FairnessRoundReport report, string runId) =>
        JsonSerializer.SerializeToUtf8Bytes(new { RunId = runId, report.Round, report.Attempt, report.ModelVersion, report.MinCohortSize, report.ReportingSites, report.Cohorts, report.Disparities, report.Notes }, Json);

    /// <summary>One row per cohort group; suppressed groups have "suppressed" and empty numbers.</summary>
    public static string ToCsv(FairnessRoundReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.Append("round,dimension,value,status,count,mae,rmse,bias,median_abs_error,p90_abs_error,interval_coverage,alert_rate,alert_tpr,alert_fpr,alert_precision,violation_rate\n");
        foreach (var c in report.Cohorts)
        {
            sb.Append(report.Round.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(Csv(c.Dimension)).Append(',').Append(Csv(c.Value)).Append(',')
              .Append(c.Suppressed ? "suppressed" : "ok").Append(',')
              .Append(c.Count?.ToString(CultureInfo.InvariantCulture) ?? "");
            foreach (var v in new[] { c.Mae, c.Rmse, c.Bias, c.MedianAbsError, c.P90AbsError, c.IntervalCoverage, c.AlertRate, c.AlertTpr, c.AlertFpr, c.AlertPrecision, c.ViolationRate })
            {
                sb.Append(',').Append(v?.ToString("R", CultureInfo.InvariantCulture) ?? "");
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>RFC 4180 quoting; a leading formula character is prefixed with ' so spreadsheets do not evaluate it.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
