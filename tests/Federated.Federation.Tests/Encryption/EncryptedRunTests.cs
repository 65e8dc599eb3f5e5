using Federated.Coordinator.Rounds;
using Federated.Federation.Tests.Integration;

namespace Federated.Federation.Tests.Encryption;

public class EncryptedRunTests
{
    internal static Dictionary<string, string?> Rlwe(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Federation:Encryption"] = "rlwe",
            ["Federation:MinUpdatesPerRound"] = "2",
            ["Federation:Rlwe:CeremonyDeadline"] = "00:00:30",
            ["Federation:Rlwe:DecryptionDeadline"] = "00:00:30",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task EncryptedRun_SameSeed_MatchesPlaintextRunWithinFixedPointBound()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        float[] plain = await RunAsync(Rlwe(("Federation:Encryption", "none")), timeout.Token);
        float[] encrypted = await RunAsync(Rlwe(), timeout.Token);
        Assert.Equal(plain.Length, encrypted.Length);
        double worst = plain.Zip(encrypted, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.True(worst < 1e-6, $"largest difference {worst}");
    }

    private static async Task<float[]> RunAsync(Dictionary<string, string?> settings, CancellationToken ct)
    {
        await using var federation = await TestFederation.StartAsync(length: 1889, minParticipants: 3, rounds: 3, settings);
        var workers = Enumerable.Range(0, 3).Select(i => federation.Worker($"site-{i}", i, out _, samples: 100 * (i + 1)).RunAsync(ct)).ToArray();
        var results = await Task.WhenAll(workers);
        var ended = await federation.Coordinator.Run.Ended.WaitAsync(ct);
        Assert.True(ended.Completed, ended.Reason);
        Assert.All(federation.Coordinator.Run.Records, r => Assert.Equal(RoundPhase.Completed, r.Phase));
        Assert.All(federation.Coordinator.Run.Records, r => Assert.True(double.IsFinite(r.ValidationRmse) && double.IsFinite(r.TrainLoss), r.FailureReason));
        return federation.Coordinator.Run.CurrentModel.Values;
    }
}
