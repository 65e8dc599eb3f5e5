using System.Globalization;
using Federated.Coordinator.Fairness;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Models;
using Federated.Core.Data;
using Federated.Core.Data.Generation;
using Federated.Core.Twin;
using Federated.Federation.Client;
using Federated.Federation.Transport;
using Federated.Federation.V1;
using Federated.Participant.Commands;
using Grpc.Core;
using Rpc = Federated.Federation.V1.Federation;

namespace Federated.Fairness.Tests.Integration;

/// <summary>
/// Three real twin participants over loopback gRPC (Kestrel, port 0), with bad cohort values planted: a cohort value
/// held by one site only (Unicode), an empty value, and a value outside the vocabulary. The coordinator's report must
/// equal a direct computation on the pooled `participant predict` output of all sites.
/// </summary>
public sealed class FairnessFederationTests : IDisposable
{
    private const string OneSiteValue = "vor1900 🏚";
    private static readonly string[] Columns = [CohortValues.BuildingAge, CohortValues.IncomeTier];
    private readonly string _root = Directory.CreateTempSubdirectory("fairness-federation-").FullName;
    private readonly StringWriter _console = new();

    public FairnessFederationTests()
    {
        Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(_console),
            Interactive = Spectre.Console.InteractionSupport.No,
            Ansi = Spectre.Console.AnsiSupport.No,
        });
    }

    [Theory]
    [InlineData("rlwe")]
    [InlineData("none")]
    public async Task Report_EqualsDirectComputationOnPooledPredictions_WithoutAnySiteBreakdown(string encryption)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = timeout.Token;
        var generated = await SiteDataGenerator.GenerateAsync(
            new GeneratorOptions { Sites = 3, BuildingsPerSite = 5, TrainDays = 6, TestDays = 2, Seed = 5 }, Path.Combine(_root, "data"), null, ct);
        var options = new TwinOptions { PersonalisationSteps = 10 };
        var trainers = new List<TwinTrainer>();
        var testFiles = new List<string>();
        try
        {
            foreach (var (site, i) in generated.Manifest.Sites.Select((s, i) => (s, i)))
            {
                var data = await SiteCsvReader.ReadAsync(Path.Combine(generated.OutputDirectory, site.File), Columns, ct);
                data = Plant(data, i);
                var (train, test) = data.SplitAt(generated.Manifest.SplitHour);
                string testFile = Path.Combine(_root, site.Name + "-test.csv");
                await SiteCsvWriter.WriteAsync(testFile, test, ct);
                testFiles.Add(testFile);
                trainers.Add(new TwinTrainer(train, test, options));
            }

            string outDir = Path.Combine(_root, "out");
            var settings = new Dictionary<string, string?>
            {
                ["Federation:MinParticipants"] = "3",
                ["Federation:Rounds"] = "2",
                ["Federation:LocalSteps"] = "4",
                ["Federation:BatchSize"] = "16",
                ["Federation:LearningRate"] = "0.003",
                ["Federation:OutDir"] = outDir,
                ["Federation:Encryption"] = encryption,
                ["Security:AllowInsecureLoopback"] = "true",
                ["Federation:Fairness:Cohorts:building_age:0"] = CohortValues.Pre1950,
                ["Federation:Fairness:Cohorts:building_age:1"] = CohortValues.From1950To1990,
                ["Federation:Fairness:Cohorts:building_age:2"] = CohortValues.Post1990,
                ["Federation:Fairness:Cohorts:building_age:3"] = OneSiteValue,
                ["Federation:Fairness:Cohorts:income_tier:0"] = CohortValues.LowIncome,
                ["Federation:Fairness:Cohorts:income_tier:1"] = CohortValues.MiddleIncome,
                ["Federation:Fairness:Cohorts:income_tier:2"] = CohortValues.HighIncome,
                ["Federation:Fairness:Combinations:0"] = "income_tier*building_age",
            };
            FairnessReport wire, first;
            await using (var coordinator = await InProcessCoordinator.StartAsync(settings, new TwinModelSource(options), quiet: true, cancellationToken: ct))
            {
                using var channel = FederationChannel.Create(coordinator.Address);
                var results = await Task.WhenAll(generated.Manifest.Sites.Select((site, i) => new ParticipantWorker(
                    new FederationClient(channel.CreateCallInvoker()), trainers[i],
                    new ParticipantOptions { Coordinator = coordinator.Address, SiteId = site.Name }).RunAsync(ct)));
                Assert.All(results, r => Assert.True(r.Completed));

                var client = new Rpc.FederationClient(channel);
                wire = await client.GetFairnessReportAsync(new GetFairnessReportRequest(), cancellationToken: ct);
                first = await client.GetFairnessReportAsync(new GetFairnessReportRequest { Round = 1 }, cancellationToken: ct);
                var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.GetFairnessReportAsync(new GetFairnessReportRequest { Round = 9 }, cancellationToken: ct));
                Assert.Equal(StatusCode.NotFound, missing.StatusCode);
            }
            Assert.Equal((2UL, 1UL, 3U), (wire.Round, first.Round, wire.ReportingSites));

            // What each site's twin forecast in the final evaluation, through the participant's own predict command.
            var pooled = new List<Row>();
            for (int i = 0; i < trainers.Count; i++)
            {
                string model = Path.Combine(_root, $"site-{i}.ckpt");
                await TwinCheckpoint.From(trainers[i].Twin, Columns).SaveAsync(model, ct);
                string predictions = Path.Combine(_root, $"site-{i}-predictions.csv");
                int exit = await ParticipantCli.Create().Parse(["predict", "--model", model, "--data", testFiles[i], "--out", predictions]).InvokeAsync(cancellationToken: ct);
                Assert.True(exit == 0, _console.ToString());
                pooled.AddRange(ReadPredictions(predictions));
            }

            var direct = Direct(pooled);
            var reported = wire.Cohorts.ToDictionary(c => (c.Dimension, c.Value));
            Assert.Equal(direct["all"].Count, pooled.Count);
            foreach (var c in wire.Cohorts)
            {
                string key = c.Dimension == "all" ? "all" : c.Dimension + "=" + c.Value;
                var d = direct.GetValueOrDefault(key) ?? new Expected(0, 0, 0, 0, 0, 0, 0, 0, []);
                if (d.Count < 20)
                {
                    Assert.True(c.Suppressed, key + " has " + d.Count.ToString(CultureInfo.InvariantCulture) + " rows and must be suppressed");
                    Assert.True(double.IsNaN(c.Rmse) && double.IsNaN(c.Mae) && c.Count == 0, key + ": a suppressed cohort carries no numbers");
                    continue;
                }
                if (c.Suppressed)
                {
                    // Only complementary suppression may withhold a cohort of k rows or more.
                    Assert.StartsWith("withheld so that", c.SuppressionReason, StringComparison.Ordinal);
                    continue;
                }
                Assert.Equal((ulong)d.Count, c.Count);
                // Forecasts are float32 and the checkpoint re-derives the physics from its stored form: 1e-5 K.
                Assert.Equal(d.Mae, c.Mae, 1e-5);
                Assert.Equal(d.Rmse, c.Rmse, 1e-5);
                Assert.Equal(d.Bias, c.Bias, 1e-5);
                Assert.Equal(d.AlertRate, c.AlertRate, 1e-6);
                Close(d.Tpr, c.AlertTpr);
                Close(d.Fpr, c.AlertFpr);
                Close(d.Precision, c.AlertPrecision);
                Assert.True(double.IsNaN(c.IntervalCoverage), "the twin reports no intervals");
                // The approximate median lies in the histogram bin holding the exact pooled median.
                double exact = Median(d.AbsoluteErrors);
                int bin = Bin(exact);
                double lower = bin == 0 ? 0 : FairnessOptions.DefaultAbsoluteErrorEdges[bin - 1];
                double upper = bin < FairnessOptions.DefaultAbsoluteErrorEdges.Count ? FairnessOptions.DefaultAbsoluteErrorEdges[bin] : double.MaxValue;
                Assert.InRange(c.MedianAbsError, lower - 1e-9, upper + 1e-9);
            }

            // The cohort only site 0 holds is reported, as a consortium total (the same numbers the pooled data gives).
            var one = reported[("building_age", OneSiteValue)];
            Assert.False(one.Suppressed);
            Assert.Equal((ulong)direct["building_age=" + OneSiteValue].Count, one.Count);
            // The empty and the unseen values were counted as "other".
            Assert.True(direct.ContainsKey("income_tier=other") && direct.ContainsKey("building_age=other"));
            Assert.Contains(wire.Disparities, d => d.Dimension == "building_age" && d.Metric == "equalized_odds");

            // Files: per-round JSON and CSV, the HTML report with PNG charts; no site id anywhere in them.
            string folder = FairnessFiles.Folder(outDir);
            Assert.True(File.Exists(Path.Combine(folder, "round-0001.json")) && File.Exists(Path.Combine(folder, "round-0002.csv")));
            string html = await File.ReadAllTextAsync(FairnessFiles.HtmlPath(outDir), ct);
            Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(OneSiteValue), html, StringComparison.Ordinal);
            var charts = Directory.GetFiles(Path.Combine(folder, "charts"), "*.png");
            Assert.NotEmpty(charts);
            Assert.All(charts, p => Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(p).Take(4)));
            foreach (var file in Directory.GetFiles(folder).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".csv", StringComparison.Ordinal) || f.EndsWith(".html", StringComparison.Ordinal)))
            {
                string text = await File.ReadAllTextAsync(file, ct);
                Assert.All(generated.Manifest.Sites, s => Assert.DoesNotContain(s.Name, text, StringComparison.Ordinal));
            }
        }
        finally
        {
            trainers.ForEach(t => t.Dispose());
        }
    }

    /// <summary>
    /// Site 0: one building gets a Unicode value no other site has; site 1: a blank income tier (the site CSV reader
    /// refuses an empty one, so blank is the emptiest value a site can hold); site 2: an age outside the vocabulary.
    /// </summary>
    private static SiteDataset Plant(SiteDataset data, int site)
    {
        var (column, value, building) = site switch
        {
            0 => (CohortValues.BuildingAge, OneSiteValue, 0),
            1 => (CohortValues.IncomeTier, "  ", 0),
            _ => (CohortValues.BuildingAge, "1880s", 1),
        };
        var buildings = data.Buildings.ToArray();
        buildings[building] = buildings[building] with { Cohorts = new Dictionary<string, string>(buildings[building].Cohorts) { [column] = value } };
        return data with { Buildings = buildings };
    }

    private sealed record Row(string Age, string Tier, double Predicted, double Observed);

    private sealed record Expected(long Count, double Mae, double Rmse, double Bias, double AlertRate, double Tpr, double Fpr, double Precision, List<double> AbsoluteErrors);

    private static void Close(double expected, double actual)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(actual));
            return;
        }
        Assert.Equal(expected, actual, 1e-6);
    }

    /// <summary>Per-cohort metrics computed directly on the pooled rows, independently of the statistics code.</summary>
    private static Dictionary<string, Expected> Direct(List<Row> rows)
    {
        string[] ages = [CohortValues.Pre1950, CohortValues.From1950To1990, CohortValues.Post1990, OneSiteValue];
        string Age(Row r) => ages.Contains(r.Age.Trim()) ? r.Age.Trim() : "other";
        string Tier(Row r) => CohortValues.IncomeTiers.Contains(r.Tier.Trim()) ? r.Tier.Trim() : "other";
        var keys = rows.SelectMany(r => new[] { ("all", r), ("building_age=" + Age(r), r), ("income_tier=" + Tier(r), r), ("income_tier×building_age=" + Tier(r) + "×" + Age(r), r) });
        return keys.GroupBy(k => k.Item1, k => k.r).ToDictionary(g => g.Key, g =>
        {
            var e = g.Select(r => r.Predicted - r.Observed).ToArray();
            bool Outside(double t) => t < 19 || t > 24;
            int tp = g.Count(r => Outside(r.Predicted) && Outside(r.Observed)), fp = g.Count(r => Outside(r.Predicted) && !Outside(r.Observed));
            int fn = g.Count(r => !Outside(r.Predicted) && Outside(r.Observed)), tn = g.Count() - tp - fp - fn;
            return new Expected(e.Length, e.Average(Math.Abs), Math.Sqrt(e.Average(x => x * x)), e.Average(), (tp + fp) / (double)e.Length,
                tp + fn > 0 ? tp / (double)(tp + fn) : double.NaN, fp + tn > 0 ? fp / (double)(fp + tn) : double.NaN, tp + fp > 0 ? tp / (double)(tp + fp) : double.NaN,
                e.Select(Math.Abs).ToList());
        }, StringComparer.Ordinal);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Ceiling(0.5 * sorted.Length) - 1];
    }

    private static int Bin(double absolute)
    {
        var edges = FairnessOptions.DefaultAbsoluteErrorEdges;
        int bin = 0;
        while (bin < edges.Count && absolute >= edges[bin])
        {
            bin++;
        }
        return bin;
    }

    /// <summary>Rows of a `participant predict` file that have a forecast.</summary>
    private static IEnumerable<Row> ReadPredictions(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = Split(lines[0]);
        int age = Array.IndexOf(header, CohortValues.BuildingAge), tier = Array.IndexOf(header, CohortValues.IncomeTier);
        int observed = Array.IndexOf(header, "indoor_temp_c"), predicted = Array.IndexOf(header, PredictCommand.PredictionColumn);
        foreach (var line in lines.Skip(1))
        {
            var f = Split(line);
            if (f[predicted].Length > 0)
            {
                yield return new Row(f[age], f[tier], double.Parse(f[predicted], CultureInfo.InvariantCulture), double.Parse(f[observed], CultureInfo.InvariantCulture));
            }
        }
    }

    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted && ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
            else if (ch == '"') { quoted = !quoted; }
            else if (ch == ',' && !quoted) { fields.Add(current.ToString()); current.Clear(); }
            else { current.Append(ch); }
        }
        fields.Add(current.ToString());
        return fields.ToArray();
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
