using System.Globalization;
using Federated.Core.Fairness;
using Entry = Federated.Core.Fairness.CohortLayout.Entry;

namespace Federated.Coordinator.Fairness;

/// <summary>
/// Turns the consortium-wide sums of the cohort statistics into per-cohort metrics and disparities. It only ever sees
/// sums over all reporting sites (decrypted aggregates, or plaintext reports added up on arrival).
/// </summary>
internal static class FairnessCalculator
{
    /// <summary>Metrics compared across cohorts, with whether a larger value is worse.</summary>
    private static readonly (string Name, Func<CohortResult, double?> Get, bool HigherIsWorse)[] Metrics =
    [
        ("mae", c => c.Mae, true),
        ("rmse", c => c.Rmse, true),
        ("abs_bias", c => c.Bias is { } b ? Math.Abs(b) : null, true),
        ("median_abs_error", c => c.MedianAbsError, true),
        ("p90_abs_error", c => c.P90AbsError, true),
        ("alert_rate", c => c.AlertRate, true),
        ("alert_tpr", c => c.AlertTpr, false),
        ("alert_fpr", c => c.AlertFpr, true),
        ("alert_precision", c => c.AlertPrecision, false),
    ];

    /// <param name="sums">The summed statistics vector, <paramref name="layout"/>.Length entries.</param>
    /// <param name="minCohortSize">k: fewer rows → suppressed.</param>
    /// <param name="minSites">Fewer sites holding the cohort → suppressed.</param>
    public static FairnessRoundReport Compute(CohortLayout layout, IReadOnlyList<double> sums, int minCohortSize, int minSites, ulong round, uint attempt, ulong modelVersion, int reportingSites)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(sums);
        if (sums.Count != layout.Length)
        {
            throw new ArgumentException($"The cohort statistics hold {sums.Count} entries; the layout has {layout.Length}.", nameof(sums));
        }
        var notes = new List<string>();
        var raw = new List<(CohortGroup Group, double N, int Sites)>();
        for (int g = 0; g < layout.Groups.Count; g++)
        {
            raw.Add((layout.Groups[g], Math.Round(sums[layout.Index(g, Entry.Count)]), (int)Math.Round(sums[layout.Index(g, Entry.Sites)])));
        }

        // Primary suppression: too few rows or sites.
        var reasons = new string?[raw.Count];
        for (int g = 0; g < raw.Count; g++)
        {
            if (raw[g].N < minCohortSize)
            {
                reasons[g] = string.Create(CultureInfo.InvariantCulture, $"fewer than {minCohortSize} rows consortium-wide");
            }
            else if (raw[g].Sites < minSites)
            {
                reasons[g] = string.Create(CultureInfo.InvariantCulture, $"held by fewer than {minSites} sites");
            }
        }
        // Complementary suppression: a dimension's groups add up to "all", so when only one withheld group has rows
        // (empty ones add nothing), it could be recovered by subtraction; withhold the smallest published one of that
        // dimension as well.
        foreach (var dimension in raw.Select((r, i) => (r, i)).Where(x => x.i > 0).GroupBy(x => x.r.Group.Dimension))
        {
            var members = dimension.ToArray();
            if (members.Count(m => reasons[m.i] is not null && m.r.N > 0) == 1)
            {
                var next = members.Where(m => reasons[m.i] is null).OrderBy(m => m.r.N).ThenBy(m => m.i).FirstOrDefault();
                if (next.r.Group is not null)
                {
                    reasons[next.i] = "withheld so that a suppressed cohort cannot be recovered by subtraction";
                }
            }
        }

        var cohorts = new List<CohortResult>();
        for (int g = 0; g < raw.Count; g++)
        {
            var group = raw[g].Group;
            if (reasons[g] is { } why)
            {
                cohorts.Add(new CohortResult { Dimension = group.Dimension, Value = group.Value, Suppressed = true, SuppressionReason = why });
                continue;
            }
            double n = raw[g].N;
            double Get(Entry e, int bin = 0) => sums[layout.Index(g, e, bin)];
            double tp = Get(Entry.TruePositives), fp = Get(Entry.FalsePositives), tn = Get(Entry.TrueNegatives), fn = Get(Entry.FalseNegatives);
            var histogram = new double[layout.HistogramBins];
            for (int b = 0; b < histogram.Length; b++)
            {
                histogram[b] = Math.Max(0, Get(Entry.Histogram, b));
            }
            double intervals = Get(Entry.IntervalCount);
            cohorts.Add(new CohortResult
            {
                Dimension = group.Dimension,
                Value = group.Value,
                Count = (long)n,
                Mae = Get(Entry.SumAbsoluteError) / n,
                Rmse = Math.Sqrt(Math.Max(0, Get(Entry.SumSquaredError)) / n),
                Bias = Get(Entry.SumError) / n,
                MedianAbsError = Quantile(histogram, layout.AbsoluteErrorEdges, 0.5),
                P90AbsError = Quantile(histogram, layout.AbsoluteErrorEdges, 0.9),
                IntervalCoverage = Ratio(Get(Entry.IntervalHits), intervals),
                AlertRate = Ratio(tp + fp, n),
                AlertTpr = Ratio(tp, tp + fn),
                AlertFpr = Ratio(fp, fp + tn),
                AlertPrecision = Ratio(tp, tp + fp),
                ViolationRate = Ratio(tp + fn, n),
            });
        }
        if (sums[layout.Index(0, Entry.IntervalCount)] <= 0)
        {
            notes.Add("No prediction intervals were reported (the twin gives point forecasts): interval coverage is unavailable.");
        }

        var disparities = new List<Disparity>();
        foreach (var dimension in cohorts.Skip(1).GroupBy(c => c.Dimension))
        {
            // "other" pools unlisted and missing values: it is reported, but it is not a cohort to compare.
            var compared = dimension.Where(c => !c.Suppressed && c.Value != CohortLayout.Other && !c.Value.Split(CohortLayout.CombinationSeparator).Contains(CohortLayout.Other)).ToArray();
            if (compared.Length < 2)
            {
                notes.Add($"{dimension.Key}: fewer than two unsuppressed cohorts, no disparities.");
                continue;
            }
            foreach (var (name, get, higherIsWorse) in Metrics)
            {
                disparities.Add(Spread(dimension.Key, name, compared, get, higherIsWorse));
            }
            var tpr = disparities[^3];
            var fpr = disparities[^2];
            var selection = disparities[^4];
            double? eod = tpr.Difference is { } a && fpr.Difference is { } b ? Math.Max(a, b) : tpr.Difference ?? fpr.Difference;
            disparities.Add(new Disparity(dimension.Key, "equalized_odds", eod, null, null, null, compared.Length));
            disparities.Add(new Disparity(dimension.Key, "demographic_parity", selection.Difference, null, null, null, compared.Length));
        }
        return new FairnessRoundReport
        {
            Round = round,
            Attempt = attempt,
            ModelVersion = modelVersion,
            MinCohortSize = minCohortSize,
            ReportingSites = reportingSites,
            Cohorts = cohorts,
            Disparities = disparities,
            Notes = notes,
        };
    }

    private static Disparity Spread(string dimension, string metric, CohortResult[] cohorts, Func<CohortResult, double?> get, bool higherIsWorse)
    {
        var values = cohorts.Select(c => (c.Value, V: get(c))).Where(x => x.V is not null).Select(x => (x.Value, V: x.V!.Value)).ToArray();
        if (values.Length < 2)
        {
            return new Disparity(dimension, metric, null, null, null, null, values.Length);
        }
        double min = values.Min(v => v.V), max = values.Max(v => v.V);
        var worst = higherIsWorse ? values.MaxBy(v => v.V) : values.MinBy(v => v.V);
        return new Disparity(dimension, metric, max - min, max > 0 ? min / max : null, worst.Value, worst.V, values.Length);
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile of |e| from histogram counts, interpolating linearly inside the bin; in the
    /// open last bin it returns the last edge (a lower bound). Null for an empty histogram.
    /// </summary>
    public static double? Quantile(ReadOnlySpan<double> counts, IReadOnlyList<double> edges, double q)
    {
        ArgumentNullException.ThrowIfNull(edges);
        double total = 0;
        foreach (var c in counts)
        {
            total += c;
        }
        if (total <= 0)
        {
            return null;
        }
        double target = q * total, cumulative = 0;
        for (int b = 0; b < counts.Length; b++)
        {
            if (counts[b] > 0 && cumulative + counts[b] >= target)
            {
                if (b >= edges.Count)
                {
                    return edges[^1];
                }
                double lower = b == 0 ? 0 : edges[b - 1];
                return lower + ((edges[b] - lower) * (target - cumulative) / counts[b]);
            }
            cumulative += counts[b];
        }
        return edges[^1];
    }

    private static double? Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : null;
}
