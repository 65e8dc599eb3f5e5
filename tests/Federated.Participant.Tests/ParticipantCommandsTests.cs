using System.Globalization;
using Federated.Core.Data;
using Federated.Participant.Commands;
using Spectre.Console;

namespace Federated.Participant.Tests;

/// <summary>Runs the participant's real command line in-process, end to end on generated data.</summary>
public sealed class ParticipantCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("participant-cli-").FullName;
    private readonly StringWriter _console = new();

    public ParticipantCommandsTests()
    {
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_console), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No });
    }

    private static async Task<int> Run(params string[] args) => await ParticipantCli.Create().Parse(args).InvokeAsync();

    private string Output => _console.ToString();

    [Fact]
    public async Task GenerateTrainLocalPredict_EndToEnd_WritesOneForecastPerRowAfterTheFirstHorizon()
    {
        string data = Path.Combine(_dir, "data");
        Assert.True(await Run("generate", "--sites", "3", "--buildings", "5", "--train-days", "8", "--test-days", "3", "--out", data) == 0, Output);
        string site = Path.Combine(data, "site-01.csv");
        string model = Path.Combine(_dir, "twin.ckpt");

        Assert.Equal(0, await Run("train-local", "--data", site, "--cohort-columns", "building_age,income_tier", "--test-days", "3", "--steps", "20", "--out", model));
        Assert.Contains("Persistence", Output, StringComparison.Ordinal);
        Assert.True(File.Exists(model));

        string predictions = Path.Combine(_dir, "predictions.csv");
        Assert.Equal(0, await Run("predict", "--model", model, "--data", site, "--out", predictions));

        var input = await SiteCsvReader.ReadAsync(site, ["building_age", "income_tier"], CancellationToken.None);
        var lines = await File.ReadAllLinesAsync(predictions);
        var header = lines[0].Split(',');
        int column = Array.IndexOf(header, PredictCommand.PredictionColumn);
        Assert.Contains("income_tier", header);
        Assert.Equal(input.Rows, lines.Length - 1);
        int forecasts = lines.Skip(1).Count(l => l.Split(',')[column].Length > 0);
        long expected = input.Buildings.Sum(b => b.Segments.Sum(s => (long)Math.Max(0, s.Length - 24)));
        Assert.Equal(expected, forecasts);
        Assert.All(lines.Skip(1).Select(l => l.Split(',')[column]).Where(v => v.Length > 0),
            v => Assert.InRange(float.Parse(v, CultureInfo.InvariantCulture), -20f, 50f));
    }

    [Fact]
    public async Task Predict_CorruptCheckpoint_FailsWithReasonAndWritesNothing()
    {
        string model = Path.Combine(_dir, "broken.ckpt");
        await File.WriteAllTextAsync(model, "{ \"format\": \"something-else\" }");
        string data = Path.Combine(_dir, "site.csv");
        await File.WriteAllTextAsync(data, "timestamp,building_id,outdoor_temp_c,solar_w_m2,hvac_kw,indoor_temp_c\n2010-01-01T00:00:00Z,b1,5,0,1,20\n");
        string output = Path.Combine(_dir, "out.csv");

        Assert.Equal(2, await Run("predict", "--model", model, "--data", data, "--out", output));

        Assert.Contains("not a twin checkpoint", Output, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task TrainLocal_BadCsv_FailsNamingFileLineAndColumn()
    {
        string data = Path.Combine(_dir, "bad.csv");
        await File.WriteAllTextAsync(data, "timestamp,building_id,outdoor_temp_c,solar_w_m2,hvac_kw,indoor_temp_c\n2010-01-01T00:00:00Z,b1,5,0,1,abc\n");
        string model = Path.Combine(_dir, "twin.ckpt");

        Assert.Equal(2, await Run("train-local", "--data", data, "--out", model));

        Assert.Contains("bad.csv line 2, column 'indoor_temp_c'", Output, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public async Task TrainLocal_TooFewHours_FailsWithClearReason()
    {
        string data = Path.Combine(_dir, "short.csv");
        await File.WriteAllLinesAsync(data, ["timestamp,building_id,outdoor_temp_c,solar_w_m2,hvac_kw,indoor_temp_c",
            .. Enumerable.Range(0, 30).Select(h => $"2010-01-01T{h % 24:D2}:00:00Z".Replace("2010-01-01", h < 24 ? "2010-01-01" : "2010-01-02", StringComparison.Ordinal) + ",b1,5,0,1,20")]);

        Assert.Equal(2, await Run("train-local", "--data", data, "--test-days", "1", "--out", Path.Combine(_dir, "m.ckpt")));

        Assert.Contains("no gap-free run of 25 hours", Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _console.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
