using Microsoft.Extensions.DependencyInjection;
using Federated.Coordinator.Rounds;
using Federated.Federation.Client;

namespace Federated.Federation.Tests.Encryption;

public class DropoutAndRotationTests
{
    [Fact]
    public async Task OneOfFourDropsAfterUpload_ThresholdThree_RoundCompletesWithoutRekeying()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var federation = await EncryptedFederation.StartAsync(64, minParticipants: 3, rounds: 2, ("Security:RequireOperatorStart", "true"));
        using var dropped = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var workers = Enumerable.Range(0, 3).Select(i => federation.Worker(i).RunAsync(timeout.Token)).ToList();
        var leaving = federation.Worker(3, progress: new DropAfterUpload(1, dropped)).RunAsync(dropped.Token);
        await federation.StartWhenConnectedAsync(4, timeout.Token);

        await Task.WhenAll(workers);
        await Assert.ThrowsAnyAsync<Exception>(() => leaving);
        var run = federation.Coordinator.Run;
        var ended = await run.Ended.WaitAsync(timeout.Token);
        Assert.True(ended.Completed, ended.Reason);

        var records = run.Records;
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(RoundPhase.Completed, r.Phase));
        Assert.Equal(4, records[0].Participants.Count);
        Assert.Equal(3, records[0].Encryption!.Threshold);
        Assert.DoesNotContain("site-3", records[0].Encryption!.DecryptionParties);
        Assert.Equal(3, records[1].Participants.Count);
        Assert.Equal(1u, records[1].Encryption!.KeyEpoch);
        Assert.False(records[1].Encryption!.KeyCeremonyRan);
    }

    [Fact]
    public async Task TwoOfFourDropAfterUpload_BelowThreshold_AttemptAbandonedAndRerunWithFreshKeyAndEncryptions()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The run waits for an operator's start, so that all four are connected for the first key; the re-run may
        // then go on with two.
        await using var federation = await EncryptedFederation.StartAsync(64, minParticipants: 2, rounds: 1, ("Security:RequireOperatorStart", "true"));
        var stay = Enumerable.Range(0, 2).Select(i => federation.Worker(i).RunAsync(timeout.Token)).ToList();
        var leavers = new List<Task>();
        var sources = new List<CancellationTokenSource>();
        for (int i = 2; i < 4; i++)
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            sources.Add(cts);
            leavers.Add(federation.Worker(i, progress: new DropAfterUpload(1, cts)).RunAsync(cts.Token));
        }
        try
        {
            await federation.StartWhenConnectedAsync(4, timeout.Token);
            await Task.WhenAll(stay);
        }
        finally
        {
            sources.ForEach(s => s.Dispose());
        }
        foreach (var leaver in leavers)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => leaver);
        }
        var run = federation.Coordinator.Run;
        var ended = await run.Ended.WaitAsync(timeout.Token);
        Assert.True(ended.Completed, ended.Reason);

        var records = run.Records;
        Assert.Equal(2, records.Count);
        Assert.Equal(RoundPhase.Failed, records[0].Phase);
        Assert.Contains("decryption failed", records[0].FailureReason, StringComparison.Ordinal);
        Assert.Equal(RoundPhase.Completed, records[1].Phase);
        Assert.Equal(2u, records[1].Attempt);
        Assert.Equal(["site-0", "site-1"], records[1].Participants);
        Assert.Equal(2u, records[1].Encryption!.KeyEpoch);
        Assert.True(records[1].Encryption!.KeyCeremonyRan);
    }

    [Fact]
    public async Task DecryptionBudgetUsedUp_KeyRotates()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Each round decrypts two chunks (update, evaluation): a budget of 4 lasts two rounds.
        await using var federation = await EncryptedFederation.StartAsync(64, minParticipants: 3, rounds: 3, ("Federation:Rlwe:MaxDecryptionsPerKey", "4"));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => federation.Worker(i).RunAsync(timeout.Token)));
        var run = federation.Coordinator.Run;
        Assert.True((await run.Ended.WaitAsync(timeout.Token)).Completed);

        var epochs = run.Records.Select(r => r.Encryption!.KeyEpoch).ToArray();
        Assert.Equal([1u, 1u, 2u], epochs);
        Assert.Contains("budget used up", run.Records[2].Encryption!.KeyCeremonyReason, StringComparison.Ordinal);
        Assert.Equal(4, run.Records[1].Encryption!.DecryptionsUsed);
        Assert.Equal(4, run.Records[1].Encryption!.DecryptionBudget);
    }

    /// <summary>Cancels a participant right after it uploaded in <paramref name="round"/>: lost after upload.</summary>
    private sealed class DropAfterUpload(ulong round, CancellationTokenSource cancel) : IProgress<ParticipantEvent>
    {
        public void Report(ParticipantEvent value)
        {
            if (value.Kind == ParticipantEventKind.Uploaded && value.Round == round)
            {
                cancel.Cancel();
            }
        }
    }
}
