using Federated.Federation.V1;

namespace Federated.Coordinator.Fairness;

/// <summary>The wire form of a <see cref="FairnessRoundReport"/>; unavailable and suppressed numbers are NaN.</summary>
internal static class FairnessReportWire
{
    public static FairnessReport ToWire(FairnessRoundReport report, string runId)
    {
        ArgumentNullException.ThrowIfNull(report);
        var wire = new FairnessReport
        {
            RunId = runId,
            Round = report.Round,
            Attempt = report.Attempt,
            ModelVersion = report.ModelVersion,
            MinCohortSize = (uint)report.MinCohortSize,
            ReportingSites = (uint)report.ReportingSites,
        };
        foreach (var c in report.Cohorts)
        {
            wire.Cohorts.Add(new CohortMetrics
            {
                Dimension = c.Dimension,
                Value = c.Value,
                Suppressed = c.Suppressed,
                SuppressionReason = c.SuppressionReason ?? "",
                Count = c.Count is { } n ? (ulong)n : 0,
                Mae = N(c.Mae),
                Rmse = N(c.Rmse),
                Bias = N(c.Bias),
                MedianAbsError = N(c.MedianAbsError),
                P90AbsError = N(c.P90AbsError),
                IntervalCoverage = N(c.IntervalCoverage),
                AlertRate = N(c.AlertRate),
                AlertTpr = N(c.AlertTpr),
                AlertFpr = N(c.AlertFpr),
                AlertPrecision = N(c.AlertPrecision),
                ViolationRate = N(c.ViolationRate),
            });
        }
        foreach (var d in report.Disparities)
        {
            wire.Disparities.Add(new DisparityMetric
            {
                Dimension = d.Dimension,
                Metric = d.Metric,
                Difference = N(d.Difference),
                Ratio = N(d.Ratio),
                WorstCohort = d.WorstCohort ?? "",
                WorstValue = N(d.WorstValue),
                Cohorts = (uint)d.Cohorts,
            });
        }
        wire.Notes.Add(report.Notes);
        return wire;
    }

    private static double N(double? value) => value ?? double.NaN;
}
