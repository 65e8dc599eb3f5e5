namespace Federated.Coordinator.Fairness;

/// <summary>
/// Metrics of one cohort group from consortium-wide sums. Suppressed cohorts carry no numbers at all (every
/// nullable is null, <see cref="Count"/> too); null also marks a metric whose denominator is zero.
/// </summary>
internal sealed record CohortResult
{
    public required string Dimension { get; init; }
    public required string Value { get; init; }
    public bool Suppressed { get; init; }
    public string? SuppressionReason { get; init; }
    public long? Count { get; init; }
    public double? Mae { get; init; }
    public double? Rmse { get; init; }
    public double? Bias { get; init; }
    public double? MedianAbsError { get; init; }
    public double? P90AbsError { get; init; }
    public double? IntervalCoverage { get; init; }
    public double? AlertRate { get; init; }
    public double? AlertTpr { get; init; }
    public double? AlertFpr { get; init; }
    public double? AlertPrecision { get; init; }
    public double? ViolationRate { get; init; }

    public string Label => Dimension == Core.Fairness.CohortLayout.All ? "all" : Dimension + "=" + Value;
}

/// <summary>A disparity of one metric across the unsuppressed cohorts of one dimension (Fairlearn's vocabulary).</summary>
internal sealed record Disparity(string Dimension, string Metric, double? Difference, double? Ratio, string? WorstCohort, double? WorstValue, int Cohorts);

/// <summary>The fairness report of one completed round.</summary>
internal sealed record FairnessRoundReport
{
    public required ulong Round { get; init; }
    public required uint Attempt { get; init; }
    public required ulong ModelVersion { get; init; }
    public required int MinCohortSize { get; init; }
    public required int ReportingSites { get; init; }
    public required IReadOnlyList<CohortResult> Cohorts { get; init; }
    public required IReadOnlyList<Disparity> Disparities { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }

    public Disparity? Find(string dimension, string metric) =>
        Disparities.FirstOrDefault(d => d.Dimension == dimension && d.Metric == metric);
}
