using Federated.Core.Fairness;
using Federated.Federation.Fairness;

namespace Federated.Fairness.Tests.Core;

public class CohortLayoutTests
{
    internal static CohortLayout Layout() => new(
        [new CohortColumn("building_age", ["pre1950", "post1990", "vor1900 🏚"]), new CohortColumn("income_tier", ["low", "high"])],
        [["income_tier", "building_age"]], [0.1, 0.5, 1.0], 19, 24);

    [Fact]
    public void Groups_FollowTheDocumentedOrder_WithOtherSlotsAndCrossProduct()
    {
        var layout = Layout();
        // all, 3+1 ages, 2+1 tiers, 3 x 4 combination cells.
        Assert.Equal(1 + 4 + 3 + 12, layout.Groups.Count);
        Assert.Equal(("all", "all"), (layout.Groups[0].Dimension, layout.Groups[0].Value));
        Assert.Equal("other", layout.Groups[4].Value);
        Assert.Equal(("income_tier×building_age", "low×pre1950"), (layout.Groups[8].Dimension, layout.Groups[8].Value));
        Assert.Equal("other×other", layout.Groups[^1].Value);
        Assert.Equal(4 + 4 + 2 + 4 + 1, layout.EntriesPerGroup);
        Assert.Equal(layout.Groups.Count * layout.EntriesPerGroup, layout.Length);
    }

    [Theory]
    [InlineData("post1990", "post1990")]
    [InlineData(" post1990 ", "post1990")]
    [InlineData("", "other")]
    [InlineData("   ", "other")]
    [InlineData(null, "other")]
    [InlineData("1880s", "other")]
    [InlineData("POST1990", "other")]
    [InlineData("vor1900 🏚", "vor1900 🏚")]
    // A visually identical value in another Unicode normalisation is a different value (ordinal comparison).
    [InlineData("vor1900 \U0001F3DA\uFE0F", "other")]
    public void Resolve_MapsUnlistedEmptyAndMissingValuesToOther(string? local, string expected) =>
        Assert.Equal(expected, Layout().Resolve("building_age", local));

    [Fact]
    public void GroupsOf_MissingColumnAndUnseenValue_LandInOtherSlots()
    {
        var layout = Layout();
        var groups = layout.GroupsOf(new Dictionary<string, string> { ["building_age"] = "1880s" });
        Assert.Equal(4, groups.Length);
        Assert.Equal(["all", "other", "other", "other×other"], groups.Select(g => layout.Groups[g].Value));
        var known = layout.GroupsOf(new Dictionary<string, string> { ["building_age"] = "vor1900 🏚", ["income_tier"] = "high" });
        Assert.Equal(["all", "vor1900 🏚", "high", "high×vor1900 🏚"], known.Select(g => layout.Groups[g].Value));
    }

    [Theory]
    [InlineData("other", "is \"other\"")]
    [InlineData("", "is empty")]
    [InlineData("a×b", "contains \"×\"")]
    public void Constructor_BadVocabularyValue_ThrowsNamingIt(string value, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => new CohortLayout([new CohortColumn("age", [value])], [], [1.0], 19, 24));
        Assert.Contains("Cohort column \"age\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("value \"" + value + "\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
        _ = fragment;
    }

    [Fact]
    public void Constructor_CombinationOfUnknownColumn_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CohortLayout([new CohortColumn("age", ["a"])], [["age", "tier"]], [1.0], 19, 24));
        Assert.StartsWith("Combination \"age×tier\" must name at least two distinct configured cohort columns.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wire_RoundTrip_GivesTheSameLayout_AndATamperedEntryCountIsRefused()
    {
        var layout = Layout();
        var spec = layout.ToWire();
        var back = spec.ToLayout();
        Assert.Equal(layout.Groups.Select(g => g.Dimension + "/" + g.Value), back.Groups.Select(g => g.Dimension + "/" + g.Value));
        Assert.Equal(layout.Length, back.Length);
        spec.Entries++;
        var ex = Assert.Throws<InvalidDataException>(() => spec.ToLayout());
        Assert.StartsWith("fairness.entries: the spec says", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_CountsErrorsHistogramAndAlertOutcomes()
    {
        var layout = Layout();
        var values = new double[layout.Length];
        int[] groups = [0];
        CohortStatistics.Add(values, layout, groups, predicted: 25.0, observed: 24.5); // alert, violation: TP, |e| 0.5 → bin 2
        CohortStatistics.Add(values, layout, groups, predicted: 20.0, observed: 18.0); // no alert, violation: FN, |e| 2 → bin 3
        CohortStatistics.Add(values, layout, groups, predicted: 18.5, observed: 19.5); // alert, no violation: FP, |e| 1 → bin 3
        CohortStatistics.Add(values, layout, groups, predicted: 21.0, observed: 21.05); // TN, bin 0
        CohortStatistics.MarkSites(values, layout);
        double V(CohortLayout.Entry e, int bin = 0) => values[layout.Index(0, e, bin)];
        Assert.Equal(4, V(CohortLayout.Entry.Count));
        Assert.Equal(0.5 + 2 - 1 - 0.05, V(CohortLayout.Entry.SumError), 9);
        Assert.Equal([1, 0, 1, 2], Enumerable.Range(0, 4).Select(b => V(CohortLayout.Entry.Histogram, b)));
        Assert.Equal([1, 1, 1, 1], new[] { CohortLayout.Entry.TruePositives, CohortLayout.Entry.FalsePositives, CohortLayout.Entry.TrueNegatives, CohortLayout.Entry.FalseNegatives }.Select(e => V(e)));
        Assert.Equal(1, V(CohortLayout.Entry.Sites));
        Assert.Equal(0, values[layout.Index(1, CohortLayout.Entry.Sites)]);
    }
}
