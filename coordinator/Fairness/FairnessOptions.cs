using System.Globalization;
using Federated.Core.Fairness;

namespace Federated.Coordinator.Fairness;

/// <summary>
/// Fairness reporting (section "Federation:Fairness"). The cohort vocabulary is the consortium's public list of values
/// per cohort column; the coordinator publishes it to every participant with each evaluation task, so every site's
/// statistics share one layout without anyone revealing which values it holds. No cohorts configured: no fairness
/// statistics are collected.
/// </summary>
internal sealed class FairnessOptions
{
    /// <summary>Default upper edges (K) of the absolute-error histogram.</summary>
    public static IReadOnlyList<double> DefaultAbsoluteErrorEdges { get; } = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3];

    /// <summary>Cohort column → published values, e.g. "building_age": ["pre1950", "1950to1990", "post1990"].</summary>
    public Dictionary<string, string[]> Cohorts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Columns reported jointly, each as names joined by "*" or "×", e.g. "income_tier*building_age".</summary>
    public string[]? Combinations { get; set; }

    /// <summary>k: cohorts with fewer forecast rows consortium-wide are reported as suppressed. Default 20.</summary>
    public int MinCohortSize { get; set; } = 20;

    /// <summary>Cohorts held by fewer sites are suppressed too (1 = off, the default: a one-site cohort is still only a consortium total).</summary>
    public int MinSitesPerCohort { get; set; } = 1;

    /// <summary>Comfort band lower bound, °C. Default 19.</summary>
    public double ComfortLowC { get; set; } = 19;

    /// <summary>Comfort band upper bound, °C. Default 24.</summary>
    public double ComfortHighC { get; set; } = 24;

    /// <summary>Upper edges of the absolute-error histogram, K; null = <see cref="DefaultAbsoluteErrorEdges"/>.</summary>
    public double[]? AbsoluteErrorEdges { get; set; }

    public bool Enabled => Cohorts.Count > 0;

    /// <summary>The layout every site uses, or null when no cohorts are configured.</summary>
    public CohortLayout? ToLayout()
    {
        if (!Enabled)
        {
            return null;
        }
        var columns = Cohorts.Select(kv => new CohortColumn(kv.Key, kv.Value)).ToArray();
        var combinations = (Combinations ?? []).Select(c => (IReadOnlyList<string>)c.Split(['*', '×'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
        return new CohortLayout(columns, combinations, AbsoluteErrorEdges ?? DefaultAbsoluteErrorEdges, ComfortLowC, ComfortHighC);
    }

    /// <summary>Problems with these settings, each naming the key.</summary>
    public IEnumerable<string> Validate()
    {
        if (MinCohortSize < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Federation:Fairness:MinCohortSize must be at least 1 (got {MinCohortSize}).");
        }
        if (MinSitesPerCohort < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Federation:Fairness:MinSitesPerCohort must be at least 1 (got {MinSitesPerCohort}).");
        }
        string? layoutError = null;
        try
        {
            ToLayout();
        }
        catch (ArgumentException ex)
        {
            layoutError = "Federation:Fairness: " + ex.Message;
        }
        if (layoutError is not null)
        {
            yield return layoutError;
        }
    }
}
