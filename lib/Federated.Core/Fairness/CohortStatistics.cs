using Federated.Core.Twin;

namespace Federated.Core.Fairness;

/// <summary>
/// A site's per-cohort fairness statistics on its test period: additive sufficient statistics only (counts and
/// sums), laid out by a <see cref="CohortLayout"/>, so that the consortium's totals are the element-wise sum of the
/// sites' vectors — in the clear or under additive encryption — and nothing else is ever needed.
/// </summary>
public static class CohortStatistics
{
    /// <summary>
    /// The statistics of <paramref name="forecast"/>'s rows that have a forecast (the rows <see cref="SiteForecast.Errors"/>
    /// counts). Error e = predicted − observed. The comfort alert of a row is "predicted temperature outside the comfort
    /// band"; its ground truth is "observed temperature outside the band", both at the forecast hour. The twin gives
    /// point forecasts only, so the interval entries stay zero (coverage is then reported as unavailable).
    /// </summary>
    public static double[] Compute(SiteForecast forecast, CohortLayout layout)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(layout);
        var values = new double[layout.Length];
        var buildings = forecast.Dataset.Buildings;
        for (int b = 0; b < buildings.Count; b++)
        {
            var groups = layout.GroupsOf(buildings[b].Cohorts);
            for (int s = 0; s < buildings[b].Segments.Count; s++)
            {
                float[] observed = buildings[b].Segments[s].IndoorTempC, predicted = forecast.Predicted[b][s];
                for (int t = 0; t < observed.Length; t++)
                {
                    if (float.IsNaN(predicted[t]))
                    {
                        continue;
                    }
                    Add(values, layout, groups, predicted[t], observed[t]);
                }
            }
        }
        MarkSites(values, layout);
        return values;
    }

    /// <summary>Adds one forecast row to every group in <paramref name="groups"/>.</summary>
    public static void Add(double[] values, CohortLayout layout, ReadOnlySpan<int> groups, double predicted, double observed)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(layout);
        double error = predicted - observed;
        double absolute = Math.Abs(error);
        int bin = layout.BinOf(absolute);
        bool alert = predicted < layout.ComfortLowC || predicted > layout.ComfortHighC;
        bool violation = observed < layout.ComfortLowC || observed > layout.ComfortHighC;
        var outcome = (alert, violation) switch
        {
            (true, true) => CohortLayout.Entry.TruePositives,
            (true, false) => CohortLayout.Entry.FalsePositives,
            (false, false) => CohortLayout.Entry.TrueNegatives,
            _ => CohortLayout.Entry.FalseNegatives,
        };
        foreach (int g in groups)
        {
            values[layout.Index(g, CohortLayout.Entry.Count)] += 1;
            values[layout.Index(g, CohortLayout.Entry.SumError)] += error;
            values[layout.Index(g, CohortLayout.Entry.SumSquaredError)] += error * error;
            values[layout.Index(g, CohortLayout.Entry.SumAbsoluteError)] += absolute;
            values[layout.Index(g, CohortLayout.Entry.Histogram, bin)] += 1;
            values[layout.Index(g, outcome)] += 1;
        }
    }

    /// <summary>Sets each group's site entry to 1 where this site has at least one row (so the sum counts sites per group).</summary>
    public static void MarkSites(double[] values, CohortLayout layout)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(layout);
        for (int g = 0; g < layout.Groups.Count; g++)
        {
            values[layout.Index(g, CohortLayout.Entry.Sites)] = values[layout.Index(g, CohortLayout.Entry.Count)] > 0 ? 1 : 0;
        }
    }
}
