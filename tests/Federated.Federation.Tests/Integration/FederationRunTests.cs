using System.Text.Json;
using Federated.Coordinator.Rounds;

namespace Federated.Federation.Tests.Integration;

public class FederationRunTests
{
    [Fact]
    public async Task ThreeParticipants_ThreeRounds_CompleteAndValidationErrorDrops()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var federation = await TestFederation.StartAsync(length: 4096, minParticipants: 3, rounds: 3);

        var workers = Enumerable.Range(0, 3)
            .Select(i => federation.Worker($"site-{i}", i, out _, samples: 100 * (i + 1)).RunAsync(timeout.Token))
            .ToArray();
        var results = await Task.WhenAll(workers);

        var run = federation.Coordinator.Run;
        var ended = await run.Ended.WaitAsync(timeout.Token);
        Assert.True(ended.Completed, ended.Reason);
        Assert.All(results, r => Assert.True(r.Completed));
        Assert.All(results, r => Assert.Equal(3, r.RoundsTrained));
        Assert.All(results, r => Assert.Equal(3UL, r.RoundsCompleted));

        var records = run.Records;
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(RoundPhase.Completed, r.Phase));
        Assert.All(records, r => Assert.Equal(["site-0", "site-1", "site-2"], r.Participants));
        Assert.All(records, r => Assert.Equal(3 * 4096L * 4, r.BytesUploaded));
        Assert.All(records, r => Assert.Equal(3 * 4096L, r.ValidationSums.Count));
        var rmse = records.Select(r => r.ValidationRmse).ToArray();
        Assert.True(rmse[0] > rmse[1] && rmse[1] > rmse[2], $"validation RMSE must drop every round: {string.Join(", ", rmse)}");
        var train = records.Select(r => r.TrainLoss).ToArray();
        Assert.True(train[0] > train[2], $"train loss must drop: {string.Join(", ", train)}");

        // Each round, every site closes (1 − 0.9⁴) of its gap to its target, so sample-weighted FedAvg closes the
        // same share of the gap to the weighted mean of the targets, (5·1 + 6·2 + 7·3) / 6 ≈ 6.333:
        // after 3 rounds the model sits at 6.333 · (1 − 0.6561³) ≈ 4.544.
        float[] model = run.CurrentModel.Values;
        Assert.InRange(model.Average(), 4.50, 4.59);

        // Checkpoints and report on disk, written atomically (no temp files left).
        string checkpoints = Path.Combine(federation.OutDir, "checkpoints");
        Assert.True(File.Exists(Path.Combine(checkpoints, "round-0003.f32")));
        Assert.Equal(4096 * 4, new FileInfo(Path.Combine(checkpoints, "round-0003.f32")).Length);
        Assert.Empty(Directory.GetFiles(checkpoints, "*.tmp"));
        await WaitForFileAsync(Path.Combine(federation.OutDir, "report.json"), json => json.Contains("\"completed\": true", StringComparison.Ordinal), timeout.Token);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(federation.OutDir, "report.json"), timeout.Token));
        Assert.Equal(3, report.RootElement.GetProperty("rounds").GetArrayLength());
        Assert.Equal(3, report.RootElement.GetProperty("rounds")[0].GetProperty("participantCount").GetInt32());
    }

    /// <summary>report.json is written by the runner right after it ends the run; wait for that write.</summary>
    internal static async Task WaitForFileAsync(string path, Func<string, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (File.Exists(path) && condition(await File.ReadAllTextAsync(path, cancellationToken)))
            {
                return;
            }
            await Task.Delay(20, cancellationToken);
        }
    }
}
