using Federated.Core.Twin;

namespace Federated.Core.Tests.Twin;

public class TwinSharedModelTests
{
    [Fact]
    public void Layout_MatchesNetworkParameterCount()
    {
        var options = new TwinOptions { HiddenWidth = 8, CohortBuckets = 4 };
        using var network = new CorrectionNetwork(TwinFeatures.Count(options), options.HiddenWidth);

        Assert.Equal(TwinSharedModel.Layout(options).Length, TwinSharedModel.Flatten(network).Length);
        Assert.Equal((8 * 10) + 8 + (8 * 8) + 8 + 8 + 1, TwinSharedModel.Layout(options).Length);
    }

    [Fact]
    public void LoadThenFlatten_RoundTripsTheVector()
    {
        var options = new TwinOptions();
        using var network = new CorrectionNetwork(TwinFeatures.Count(options), options.HiddenWidth);
        var vector = Enumerable.Range(0, TwinSharedModel.Layout(options).Length).Select(i => (float)Math.Sin(i)).ToArray();

        TwinSharedModel.Load(network, vector);

        Assert.Equal(vector, TwinSharedModel.Flatten(network));
    }

    [Fact]
    public void Load_WrongLength_ThrowsNamingBothLengths()
    {
        var options = new TwinOptions();
        using var network = new CorrectionNetwork(TwinFeatures.Count(options), options.HiddenWidth);

        var ex = Assert.Throws<InvalidDataException>(() => TwinSharedModel.Load(network, new float[10]));

        Assert.Contains("10 floats", ex.Message, StringComparison.Ordinal);
        Assert.Contains(TwinSharedModel.Layout(options).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Initial_IsDeterministicPerSeedWithZeroOutputLayer()
    {
        var options = new TwinOptions();
        var a = TwinSharedModel.Initial(options, 42);

        Assert.Equal(a, TwinSharedModel.Initial(options, 42));
        Assert.NotEqual(a, TwinSharedModel.Initial(options, 43));
        Assert.All(a[^(options.HiddenWidth + 1)..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Collisions_NamesValuesSharingABucket()
    {
        var values = new Dictionary<string, string> { ["building_age"] = "pre1950", ["income_tier"] = "high" };

        Assert.Equal([("building_age=pre1950", "income_tier=high")], TwinFeatures.Collisions(values, 16)); // FNV-1a: both land in 2 of 16
        Assert.Empty(TwinFeatures.Collisions(values, new TwinOptions().CohortBuckets));
    }

    [Fact]
    public void CohortFeatures_SameValuesSameBuckets_IndependentOfOrder()
    {
        Span<float> a = stackalloc float[16], b = stackalloc float[16];
        TwinFeatures.Cohorts(new Dictionary<string, string> { ["x"] = "1", ["y"] = "ü" }, a);
        TwinFeatures.Cohorts(new Dictionary<string, string> { ["y"] = "ü", ["x"] = "1" }, b);

        Assert.True(a.SequenceEqual(b));
        Assert.InRange(a.ToArray().Sum(), 1f, 2f);
    }
}
