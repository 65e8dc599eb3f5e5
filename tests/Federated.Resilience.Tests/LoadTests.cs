using System.Globalization;
using System.Text.Json;
using Federated.Coordinator.Persistence;
using Xunit.Abstractions;

namespace Federated.Resilience.Tests;

/// <summary>
/// 100 simulated participants (one <c>coordinator simulate</c> process, no training cost) against one coordinator
/// process: every round completes with all of them; the coordinator's peak memory and the round latencies are
/// printed (docs/performance.md, "Resilience and load").
/// </summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Participants = 100;
    private const int Length = 4096;
    private const int Rounds = 3;

    [Fact]
    public async Task HundredSimulatedParticipants_CompleteEveryRound()
    {
        string dir = Sites.TempDir("load");
        var settings = Sites.RunSettings(Participants, Rounds, Length);
        settings["Federation:ExitWhenComplete"] = "false";
        settings["Federation:RoundDeadline"] = "00:01:00";
        try
        {
            await using var coordinator = await CoordinatorProcess.StartAsync(dir, 0, settings);
            await using var sims = CoordinatorProcess.StartCommand(dir,
                ["simulate", "--coordinator", coordinator.Address.ToString(), "--participants", Participants.ToString(CultureInfo.InvariantCulture),
                 "--length", Length.ToString(CultureInfo.InvariantCulture), "--channels", "10"]);
            Assert.True(await sims.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, sims.Output);
            var (peak, current) = coordinator.Memory();
            await coordinator.KillAsync();

            using var store = RunStore.Open(dir);
            var run = store.Load()!;
            Assert.Equal(RunStatus.Completed, run.Status);
            var rounds = run.Rounds.Where(r => r.Phase == "Completed").ToArray();
            Assert.Equal(Rounds, rounds.Length);
            var seconds = new List<double>();
            foreach (var round in rounds)
            {
                using var record = JsonDocument.Parse(round.Record!);
                Assert.Equal(Participants, record.RootElement.GetProperty("participants").GetArrayLength());
                seconds.Add(record.RootElement.GetProperty("wallSeconds").GetDouble());
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Participants} participants, {Length} floats: round wall seconds [{string.Join(", ", seconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}], coordinator peak RSS {peak / 1048576.0:F0} MiB, RSS at end {current / 1048576.0:F0} MiB"));
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
