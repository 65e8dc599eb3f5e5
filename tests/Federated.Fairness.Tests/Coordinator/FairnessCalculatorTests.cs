using System.Text;
using Federated.Coordinator.Fairness;
using Federated.Core.Fairness;

namespace Federated.Fairness.Tests.Coordinator;

public class FairnessCalculatorTests
{
    private static CohortLayout Layout() => new([new CohortColumn("age", ["old", "new", "=cmd()", "naïve, \"quoted\""])], [], [0.1, 0.2, 0.5], 19, 24);

    /// <summary>Sums of <paramref name="rows"/> (value, predicted, observed) as one site would report them.</summary>
    private static double[] Sums(CohortLayout layout, IEnumerable<(string? Value, double Predicted, double Observed)> rows)
    {
        var values = new double[layout.Length];
        foreach (var (value, predicted, observed) in rows)
        {
            var groups = layout.GroupsOf(value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["age"] = value });
            CohortStatistics.Add(values, layout, groups, predicted, observed);
        }
        CohortStatistics.MarkSites(values, layout);
        return values;
    }

    private static IEnumerable<(string?, double, double)> Rows(string? value, int count, double error, double observed = 21) =>
        Enumerable.Range(0, count).Select(_ => (value, observed + error, observed));

    [Theory]
    [InlineData(19, true)]
    [InlineData(20, false)]
    public void Compute_CohortBelowK_IsSuppressedWithoutNumbers(int rows, bool suppressed)
    {
        var layout = Layout();
        var sums = Sums(layout, Rows("old", rows, 0.1).Concat(Rows("new", 30, 0.2)).Concat(Rows("=cmd()", 30, 0.3)).Concat(Rows("naïve, \"quoted\"", 25, 0.1)));
        var old = FairnessCalculator.Compute(layout, sums, 20, 1, 1, 1, 1, 2).Cohorts.Single(c => c.Value == "old");
        Assert.Equal(suppressed, old.Suppressed);
        if (suppressed)
        {
            Assert.Equal("fewer than 20 rows consortium-wide", old.SuppressionReason);
            Assert.All(new object?[] { old.Count, old.Mae, old.Rmse, old.Bias, old.MedianAbsError, old.P90AbsError, old.AlertRate, old.AlertTpr, old.AlertFpr, old.AlertPrecision },
                Assert.Null);
        }
        else
        {
            Assert.Equal(20, old.Count);
            Assert.Equal(0.1, old.Rmse!.Value, 9);
        }
    }

    [Fact]
    public void Compute_OneSuppressedCohortWithRows_WithholdsTheSmallestOtherOneSoItCannotBeRecoveredBySubtraction()
    {
        var layout = Layout();
        var sums = Sums(layout, Rows("old", 5, 0.1).Concat(Rows("new", 40, 0.2)).Concat(Rows("=cmd()", 30, 0.3)).Concat(Rows("naïve, \"quoted\"", 50, 0.1)));
        var report = FairnessCalculator.Compute(layout, sums, 20, 1, 1, 1, 1, 2);
        var byValue = report.Cohorts.Skip(1).ToDictionary(c => c.Value);
        Assert.True(byValue["old"].Suppressed);
        Assert.True(byValue["=cmd()"].Suppressed);
        Assert.Equal("withheld so that a suppressed cohort cannot be recovered by subtraction", byValue["=cmd()"].SuppressionReason);
        Assert.False(byValue["new"].Suppressed);
        Assert.Equal(125, report.Cohorts[0].Count);
    }

    [Fact]
    public void Compute_MinSitesPerCohort_SuppressesCohortsHeldByTooFewSites()
    {
        var layout = Layout();
        var a = Sums(layout, Rows("old", 30, 0.1).Concat(Rows("new", 30, 0.2)).Concat(Rows("=cmd()", 30, 0.2)));
        var b = Sums(layout, Rows("new", 30, 0.2).Concat(Rows("=cmd()", 25, 0.2)));
        var total = a.Zip(b, (x, y) => x + y).ToArray();
        var report = FairnessCalculator.Compute(layout, total, 20, 2, 1, 1, 1, 2);
        Assert.Equal("held by fewer than 2 sites", report.Cohorts.Single(c => c.Value == "old").SuppressionReason);
        Assert.StartsWith("withheld so that", report.Cohorts.Single(c => c.Value == "=cmd()").SuppressionReason, StringComparison.Ordinal);
        Assert.False(report.Cohorts.Single(c => c.Value == "new").Suppressed);
    }

    [Fact]
    public void Compute_Disparities_UseFairlearnDefinitions_AndLeaveOtherOut()
    {
        var layout = Layout();
        // old: 20 rows, half violations all caught, no false alarms → TPR 1, FPR 0, alert rate 0.5.
        // new: 20 rows, 10 violations of which 5 caught, 10 normal of which 2 alarmed → TPR 0.5, FPR 0.2, alert rate 0.35.
        var rows = new List<(string?, double, double)>();
        rows.AddRange(Enumerable.Repeat<(string?, double, double)>(("old", 25, 25.1), 10));
        rows.AddRange(Enumerable.Repeat<(string?, double, double)>(("old", 21, 21.2), 10));
        rows.AddRange(Enumerable.Repeat<(string?, double, double)>(("new", 25, 25.3), 5));
        rows.AddRange(Enumerable.Repeat<(string?, double, double)>(("new", 23, 25.3), 5));
        rows.AddRange(Enumerable.Repeat<(string?, double, double)>(("new", 24.5, 23.9), 2));
        rows.AddRange(Enumerable.Repeat<(string?, double, double)>(("new", 21, 21.1), 8));
        rows.AddRange(Enumerable.Repeat<(string?, double, double)>(("unlisted", 30, 20), 40));
        var report = FairnessCalculator.Compute(layout, Sums(layout, rows), 20, 1, 1, 1, 1, 1);
        var tpr = report.Find("age", "alert_tpr")!;
        Assert.Equal((0.5, 0.5, "new"), (tpr.Difference!.Value, tpr.Ratio!.Value, tpr.WorstCohort));
        Assert.Equal(0.2, report.Find("age", "alert_fpr")!.Difference!.Value, 12);
        Assert.Equal(0.5, report.Find("age", "equalized_odds")!.Difference!.Value, 12);
        Assert.Equal(0.15, report.Find("age", "demographic_parity")!.Difference!.Value, 12);
        Assert.Equal(2, tpr.Cohorts);
        // "other" (the unlisted value, 40 rows) is reported but never compared.
        Assert.Equal(40, report.Cohorts.Single(c => c.Value == "other").Count);
        Assert.DoesNotContain(report.Disparities, d => d.WorstCohort == "other");
    }

    [Fact]
    public void Quantile_InterpolatesInsideTheBin_AndReturnsTheLastEdgeInTheOpenBin()
    {
        double[] edges = [0.1, 0.2, 0.5];
        Assert.Equal(0.15, FairnessCalculator.Quantile([0, 10, 0, 0], edges, 0.5)!.Value, 12);
        Assert.Equal(0.05, FairnessCalculator.Quantile([10, 10, 0, 0], edges, 0.25)!.Value, 12);
        Assert.Equal(0.5, FairnessCalculator.Quantile([1, 0, 0, 9], edges, 0.9)!.Value, 12);
        Assert.Null(FairnessCalculator.Quantile([0, 0, 0, 0], edges, 0.5));
    }

    [Fact]
    public void Files_BadCohortValues_AreEscapedInCsvAndKeptVerbatimInJson()
    {
        var layout = Layout();
        var sums = Sums(layout, Rows("old", 30, 0.1).Concat(Rows("=cmd()", 30, 0.2)).Concat(Rows("naïve, \"quoted\"", 30, 0.1)).Concat(Rows("", 30, 0.3)));
        var report = FairnessCalculator.Compute(layout, sums, 20, 1, 3, 1, 3, 2);
        string csv = FairnessFiles.ToCsv(report);
        Assert.Contains("\n3,age,'=cmd(),ok,30,", csv, StringComparison.Ordinal);
        Assert.Contains("\n3,age,\"naïve, \"\"quoted\"\"\",ok,30,", csv, StringComparison.Ordinal);
        // The empty value was counted as "other"; "new" has no rows and is suppressed without numbers.
        Assert.Contains("\n3,age,other,ok,30,", csv, StringComparison.Ordinal);
        Assert.Contains("\n3,age,new,suppressed,,,,", csv, StringComparison.Ordinal);
        string json = Encoding.UTF8.GetString(FairnessFiles.ToJson(report, "run-x"));
        Assert.Contains("\"value\": \"naïve, \\\"quoted\\\"\"", json, StringComparison.Ordinal);
        Assert.Contains("\"suppressed\": true", json, StringComparison.Ordinal);
    }
}
