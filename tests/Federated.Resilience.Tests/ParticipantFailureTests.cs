using System.Globalization;
using Federated.Coordinator.Persistence;

namespace Federated.Resilience.Tests;

/// <summary>Participants as real processes (<c>coordinator simulate</c>), killed with SIGKILL in the middle of a round.</summary>
public sealed class ParticipantFailureTests
{
    private const int Length = 64;

    [Fact]
    public async Task KillParticipantProcesses_MidRound_RoundsCompleteAndRestartedSiteGetsCurrentTask()
    {
        string dir = Sites.TempDir("participant-kill");
        var settings = Sites.RunSettings(participants: 4, rounds: 3, Length);
        // Round 2 closes at its deadline without the killed site; everything else completes as soon as all uploads are in.
        settings["Federation:RoundDeadline"] = "00:00:08";
        settings["Logging:LogLevel:Federated.Coordinator.Federation.FederationRunner"] = "Information";
        var sims = new List<CoordinatorProcess>();
        try
        {
            await using var coordinator = await CoordinatorProcess.StartAsync(dir, 0, settings);
            CoordinatorProcess Sim(string site, int pauseAt = 0)
            {
                var args = new List<string> { "simulate", "--coordinator", coordinator.Address.ToString(), "--participants", "1", "--site-id", site, "--length", Length.ToString(CultureInfo.InvariantCulture) };
                if (pauseAt > 0)
                {
                    args.AddRange(["--pause-at-round", pauseAt.ToString(CultureInfo.InvariantCulture)]);
                }
                var sim = CoordinatorProcess.StartCommand(dir, args);
                sims.Add(sim);
                return sim;
            }
            var a = Sim("site-a", pauseAt: 2);
            var b = Sim("site-b", pauseAt: 3);
            var c = Sim("site-c");
            var d = Sim("site-d");

            // site-a dies while training round 2: the round closes at its deadline with the three others.
            await a.WaitForLineAsync(l => l.Contains("FEDERATED-SIM-PAUSED site-a round 2", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            await a.KillAsync();
            await coordinator.WaitForLineAsync(l => l.Contains("Round 2 completed", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            // site-a comes back (a new process, no pause): round 3 waits for four participants, so it includes it.
            var a2 = Sim("site-a");
            // site-b dies while training round 3 and restarts at once: it rejoins and is given round 3's task.
            await b.WaitForLineAsync(l => l.Contains("FEDERATED-SIM-PAUSED site-b round 3", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            await b.KillAsync();
            var b2 = Sim("site-b");

            foreach (var sim in new[] { a2, b2, c, d })
            {
                Assert.True(await sim.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, sim.Output);
            }
            Assert.Equal(0, await coordinator.WaitForExitAsync(TimeSpan.FromMinutes(1)));

            using var store = RunStore.Open(dir);
            var run = store.Load()!;
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(3UL, run.Latest!.Round);
            var round2 = Assert.Single(run.Rounds, r => r.Round == 2 && r.Phase == "Completed");
            Assert.True(round2.Record!.Contains("\"stragglers\":[\"site-a\"]", StringComparison.Ordinal), round2.Record);
            var round3 = Assert.Single(run.Rounds, r => r.Round == 3 && r.Phase == "Completed");
            Assert.Contains("\"participants\":[\"site-a\",\"site-b\",\"site-c\",\"site-d\"]", round3.Record, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var sim in sims)
            {
                await sim.DisposeAsync();
            }
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
