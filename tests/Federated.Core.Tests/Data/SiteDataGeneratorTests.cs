using Federated.Core.Data;
using Federated.Core.Data.Generation;
using Xunit.Abstractions;

namespace Federated.Core.Tests.Data;

public sealed class SiteDataGeneratorTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("federated-gen-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static GeneratorOptions Small(int seed = 11) => new() { Sites = 3, TrainDays = 5, TestDays = 2, Seed = seed };

    private Task<GeneratedFederation> Generate(GeneratorOptions options, string name = "out") =>
        SiteDataGenerator.GenerateAsync(options, Path.Combine(_root, name), null, CancellationToken.None);

    [Fact]
    public async Task GenerateAsync_SameSeed_WritesIdenticalFiles()
    {
        var first = await Generate(Small(), "a");
        var second = await Generate(Small(), "b");
        var other = await Generate(Small(seed: 12), "c");

        foreach (string name in first.Manifest.Sites.Select(s => s.File).Append(FederationManifest.FileName))
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(first.OutputDirectory, name)), await File.ReadAllBytesAsync(Path.Combine(second.OutputDirectory, name)));
        }
        Assert.NotEqual(await File.ReadAllBytesAsync(first.SiteFiles[0]), await File.ReadAllBytesAsync(other.SiteFiles[0]));
    }

    [Fact]
    public async Task GenerateAsync_EachSite_UnderRepresentsItsAgeWhichIsPresentElsewhere()
    {
        var result = await Generate(Small() with { Sites = 4 });

        var sites = new List<SiteDataset>();
        foreach (var site in result.Manifest.Sites)
        {
            var data = await SiteCsvReader.ReadAsync(Path.Combine(result.OutputDirectory, site.File), CohortValues.Columns, CancellationToken.None);
            sites.Add(data);
            var ages = CohortValues.Ages.ToDictionary(a => a, a => data.Buildings.Count(b => b.Cohorts[CohortValues.BuildingAge] == a));
            output.WriteLine($"{site.Name}: rare {site.UnderRepresentedValue}; ages {string.Join(", ", ages)}; income {string.Join(", ", site.CohortCounts[CohortValues.IncomeTier])}");

            Assert.Equal(CohortValues.Ages[site.Index % 3], site.UnderRepresentedValue);
            Assert.Equal(1, ages[site.UnderRepresentedValue]); // round(0.08 · 12) = 1
            Assert.All(ages.Where(kv => kv.Key != site.UnderRepresentedValue), kv => Assert.True(kv.Value > ages[site.UnderRepresentedValue]));
            Assert.Equal(ages, site.CohortCounts[CohortValues.BuildingAge]);
            Assert.Equal(12, data.Buildings.Count);
        }
        foreach (var site in result.Manifest.Sites)
        {
            int elsewhere = sites.Where((_, i) => i != site.Index)
                .Sum(d => d.Buildings.Count(b => b.Cohorts[CohortValues.BuildingAge] == site.UnderRepresentedValue));
            Assert.True(elsewhere >= 4 * (result.Manifest.Sites.Count - 1) / 3, $"{site.UnderRepresentedValue} has only {elsewhere} buildings at other sites");
        }
        Assert.True(result.Manifest.Sites.Select(s => string.Join(",", s.CohortCounts[CohortValues.IncomeTier].Values)).Distinct().Count() > 1,
            "every site has the same income mix");
    }

    [Fact]
    public async Task GenerateAsync_HigherImbalanceSetting_GivesMoreRareBuildings()
    {
        var result = await Generate(Small() with { BuildingsPerSite = 20, UnderRepresentedShare = 0.15 });

        Assert.All(result.Manifest.Sites, s => Assert.Equal(3, s.CohortCounts[CohortValues.BuildingAge][s.UnderRepresentedValue]));
        Assert.All(result.Manifest.Sites, s => Assert.All(s.CohortCounts[CohortValues.BuildingAge].Where(kv => kv.Key != s.UnderRepresentedValue), kv => Assert.True(kv.Value > 3)));
    }

    [Fact]
    public async Task GenerateAsync_Defaults_TestPeriodFollowsTrainPeriod()
    {
        var options = new GeneratorOptions { Sites = 1 };
        var result = await Generate(options);
        var manifest = await FederationManifest.LoadAsync(Path.Combine(result.OutputDirectory, FederationManifest.FileName), CancellationToken.None);

        long start = new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 3600;
        Assert.Equal(start, manifest.TrainStartHour);
        Assert.Equal(start + 42 * 24, manifest.SplitHour);
        Assert.Equal(start + 56 * 24, manifest.EndHour);
        Assert.Equal(new DateTimeOffset(2010, 2, 12, 0, 0, 0, TimeSpan.Zero), manifest.SplitUtc);
        Assert.Equal(result.Manifest.Sites[0].Buildings[0].Parameters, manifest.Sites[0].Buildings[0].Parameters);

        var data = await SiteCsvReader.ReadAsync(result.SiteFiles[0], CohortValues.Columns, CancellationToken.None);
        var (train, test) = data.SplitAt(manifest.SplitHour);
        Assert.Equal(12 * 42 * 24, train.Rows);
        Assert.Equal(12 * 14 * 24, test.Rows);
        Assert.All(data.Buildings, b => Assert.Equal(start, Assert.Single(b.Segments).StartHour));
    }

    [Fact]
    public async Task GenerateAsync_Values_AreFinitePlausibleAndMatchTheTrueParameters()
    {
        var result = await Generate(Small() with { Sites = 2, TrainDays = 14 });

        foreach (var site in result.Manifest.Sites)
        {
            var data = await SiteCsvReader.ReadAsync(Path.Combine(result.OutputDirectory, site.File), CohortValues.Columns, CancellationToken.None);
            foreach (var (building, truth) in data.Buildings.Zip(site.Buildings))
            {
                Assert.Equal(truth.BuildingId, building.BuildingId);
                var p = truth.Parameters;
                Assert.InRange(p.ResistanceKPerKw, 2, 10);
                Assert.InRange(p.CapacitanceKwhPerK, 5, 40);
                Assert.InRange(p.SolarApertureM2, 2, 12);
                Assert.InRange(p.HvacEfficiency, 0.8, 1.0);
                Assert.InRange(truth.Thermostat.MaxPowerKw, 4, 12);
                var segment = Assert.Single(building.Segments);
                Assert.All(segment.IndoorTempC, t => Assert.InRange(t, 12f, 28f));
                Assert.All(segment.HvacKw, q => Assert.InRange(q, (float)-truth.Thermostat.MaxPowerKw, (float)truth.Thermostat.MaxPowerKw));
                Assert.All(segment.SolarWm2, s => Assert.InRange(s, 0f, 1000f));
                Assert.All(segment.OutdoorTempC, t => Assert.InRange(t, -5f, 15f));
                Assert.Contains(segment.SolarWm2, s => s == 0);
                Assert.Contains(segment.SolarWm2, s => s > 50);
            }
            // Small, tight, busy homes may never need heat (internal gains suffice); most do.
            Assert.True(data.Buildings.Count(b => b.Segments[0].HvacKw.Any(q => q > 0)) >= 9, $"{site.Name}: too few buildings heat");
            output.WriteLine($"{site.Name}: indoor {data.Buildings.SelectMany(b => b.Segments[0].IndoorTempC).Average():F2} °C mean, hvac {data.Buildings.SelectMany(b => b.Segments[0].HvacKw).Average():F2} kW mean, offset {site.OutdoorOffsetK} K");
        }
        string lessPre1950 = result.Manifest.Sites.SelectMany(s => s.Buildings).Where(b => b.BuildingAge == CohortValues.Pre1950).Max(b => b.Parameters.ResistanceKPerKw).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(result.Manifest.Sites.SelectMany(s => s.Buildings).Where(b => b.BuildingAge == CohortValues.Post1990).All(b => b.Parameters.ResistanceKPerKw > 5), $"post1990 should be tighter than pre1950 (max R {lessPre1950})");
    }

    [Fact]
    public async Task GenerateAsync_IndoorNoise_HasConfiguredSpread()
    {
        var noisy = await Generate(Small() with { Sites = 1, IndoorNoiseStdDevK = 0.5 }, "noisy");
        var clean = await Generate(Small() with { Sites = 1, IndoorNoiseStdDevK = 0 }, "clean");
        var a = await SiteCsvReader.ReadAsync(noisy.SiteFiles[0], CohortValues.Columns, CancellationToken.None);
        var b = await SiteCsvReader.ReadAsync(clean.SiteFiles[0], CohortValues.Columns, CancellationToken.None);

        // Noise is added to the record only (the thermostat sees the true temperature), so the difference is pure noise.
        double[] differences = [.. a.Buildings.Zip(b.Buildings).SelectMany(p => p.First.Segments[0].IndoorTempC.Zip(p.Second.Segments[0].IndoorTempC, (x, y) => (double)x - y))];
        double std = Math.Sqrt(differences.Select(d => d * d).Average());
        Assert.InRange(std, 0.45, 0.55);
    }

    [Fact]
    public async Task GenerateAsync_ExistingNonEmptyDirectory_ThrowsUnlessOverwriteAndLeavesNoPartialDirectory()
    {
        string target = Path.Combine(_root, "out");
        Directory.CreateDirectory(target);
        await File.WriteAllTextAsync(Path.Combine(target, "keep.txt"), "mine");

        await Assert.ThrowsAsync<IOException>(() => Generate(Small()));
        Assert.True(File.Exists(Path.Combine(target, "keep.txt")));

        var result = await Generate(Small() with { Overwrite = true });
        Assert.False(File.Exists(Path.Combine(target, "keep.txt")));
        Assert.Equal(["manifest.json", "site-01.csv", "site-02.csv", "site-03.csv"],
            Directory.EnumerateFiles(result.OutputDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["out"], Directory.EnumerateDirectories(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task GenerateAsync_Cancelled_LeavesNothingBehind()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(sites => { if (sites == 1) cancel.Cancel(); });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            SiteDataGenerator.GenerateAsync(Small(), Path.Combine(_root, "out"), progress, cancel.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Theory]
    [InlineData(nameof(GeneratorOptions.BuildingsPerSite), "GeneratorOptions.BuildingsPerSite must be between 5 and 100000.")]
    [InlineData(nameof(GeneratorOptions.Sites), "GeneratorOptions.Sites must be between 1 and 99.")]
    [InlineData(nameof(GeneratorOptions.UnderRepresentedShare), "GeneratorOptions.UnderRepresentedShare leaves 2 of 5 buildings in the under-represented age, too many for it to be the rarest.")]
    public void Validate_InvalidSetting_NamesTheField(string field, string expected)
    {
        var options = field switch
        {
            nameof(GeneratorOptions.BuildingsPerSite) => new GeneratorOptions { BuildingsPerSite = 4 },
            nameof(GeneratorOptions.Sites) => new GeneratorOptions { Sites = 0 },
            _ => new GeneratorOptions { BuildingsPerSite = 5, UnderRepresentedShare = 0.3 },
        };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(field, error.ParamName);
        Assert.Equal($"{expected} (Parameter '{field}')", error.Message);
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
