using System.Security.Cryptography;
using CoreSums = Federated.Core.Federation.EvaluationSums;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;
using Federated.Federation.Encryption;
using Federated.Federation.V1;
using Google.Protobuf;

namespace Federated.Federation.Tests.Encryption;

/// <summary>The participant-side pieces without the network: limbs, the update codec, sealed shares, the keyring.</summary>
public class EncodingAndKeyringTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(123_456_789_012_345L)]
    [InlineData(-98_765_432_109_876L)]
    public void Limbs_SplitThenCombine_RoundTripsExactly(long value)
    {
        Span<double> digits = stackalloc double[3];
        FixedPointLimbs.Split(value, 3, 24, 22, digits);
        Span<long> raw = stackalloc long[3];
        for (int k = 0; k < 3; k++)
        {
            raw[k] = (long)Math.ScaleB(digits[k], 22);
            Assert.True(Math.Abs(raw[k]) < 1 << 24);
        }
        Assert.Equal((Int128)value, FixedPointLimbs.Combine(raw, 24));
    }

    [Fact]
    public void Plan_Defaults_CompactTwinFitsOneChunkAndLongLivedOneLimb()
    {
        var compact = EncryptionPlan.Create(HeParameters.Compact, 40, 64, 100_000);
        Assert.Equal((2, 24, 3), (compact.Limbs, compact.LimbBits, compact.StatisticsLimbs));
        Assert.Equal(1, compact.UpdateChunks(1889));
        var longLived = EncryptionPlan.Create(HeParameters.LongLivedKeys, 40, 16, 100_000);
        Assert.Equal(1, longLived.Limbs);
        Assert.Equal(123, longLived.UpdateChunks(1_000_000));
        Assert.Equal(EncryptionPlan.FromWire(compact.ToWire(3)), compact);
    }

    [Fact]
    public void ShareSealer_OnlyTheRecipientOpens_AndReaddressingFails()
    {
        using var alice = new ShareSealer("run-1", 7);
        using var bob = new ShareSealer("run-1", 7);
        using var carol = new ShareSealer("run-1", 7);
        byte[] secret = RandomNumberGenerator.GetBytes(100);
        var sealedShare = alice.Seal(secret, 1, 2, bob.PublicKey);
        Assert.Equal(secret, bob.Open(sealedShare, 2, alice.PublicKey));
        // A failed tag is reported as InvalidDataException (bad input from one peer), never as CryptographicException.
        Assert.Throws<InvalidDataException>(() => carol.Open(new SealedShare(sealedShare) { ToParty = 3 }, 3, alice.PublicKey));
        Assert.Throws<InvalidDataException>(() => bob.Open(new SealedShare(sealedShare) { FromParty = 3 }, 2, alice.PublicKey));
        Assert.NotEqual(secret, sealedShare.Ciphertext.ToByteArray());
    }

    [Fact]
    public void InMemoryCeremony_ThreeOfFour_DecryptsWeightedMeanAndStatisticsExactly()
    {
        const int n = 4, length = 300;
        var parties = Enumerable.Range(0, n).Select(i => "s" + i).ToArray();
        var keyrings = parties.Select(_ => new ParticipantKeyring("run-x")).ToArray();
        try
        {
            var publicKey = Ceremony(keyrings, parties, threshold: 3);
            var plan = EncryptionPlan.Create(HeParameters.Compact, 40, 64, 1000);
            var spec = plan.ToWire(1);
            ulong ctRound = EncryptionPlan.CiphertextRound(5, 1, evaluation: false);
            var rng = new Random(9);
            var deltas = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 4) - 2)).ToArray()).ToArray();
            long[] samples = [100, 250, 1000, 40];
            double[] losses = [0.5, 1.5, double.NaN, 2.0];
            var acc = new CiphertextAccumulator(HeParameters.Compact, ctRound, 1);
            for (int i = 0; i < n; i++)
            {
                acc.Add(keyrings[i].EncryptUpdate(spec, ctRound, deltas[i], samples[i], losses[i]));
            }
            byte[] aggregate = acc.ToBytes();
            var task = new DecryptTask
            {
                Round = 5, Attempt = 1, Purpose = AggregatePurpose.Update, KeyEpoch = 1, CiphertextRound = ctRound,
                AggregateBytes = (ulong)aggregate.Length, AggregateSha256 = ByteString.CopyFrom(SHA256.HashData(aggregate)),
            };
            task.Contributors.Add(parties);
            task.ActiveSet.Add([1u, 2u, 4u]);
            var shares = new[] { 0, 1, 3 }.Select(i => keyrings[i].CreateShare(task, aggregate)).ToArray();
            var decoded = UpdateCodec.DecodeUpdate(plan, CollectiveDecryption.Combine(HeParameters.Compact, aggregate, shares), length);

            Assert.Equal(samples.Sum(), decoded.TotalWeight);
            double bound = plan.MeanErrorBound(n, decoded.TotalWeight);
            Assert.True(bound < 1e-11, $"bound {bound}");
            for (int j = 0; j < length; j++)
            {
                double exact = Enumerable.Range(0, n).Sum(i => samples[i] * (double)deltas[i][j]) / samples.Sum();
                Assert.True(Math.Abs(decoded.MeanDelta[j] - exact) <= bound + 1e-15, $"element {j}: {decoded.MeanDelta[j]} vs {exact}");
            }
            double loss = ((100 * 0.5) + (250 * 1.5) + (40 * 2.0)) / 390;
            Assert.Equal(loss, decoded.TrainLoss, 1e-6);

            // A second share for the same aggregate (another active set) is refused.
            task.ActiveSet.Clear();
            task.ActiveSet.Add([1u, 2u, 3u]);
            Assert.Throws<InvalidOperationException>(() => keyrings[0].CreateShare(task, aggregate));

            // The statistics vector: evaluation sums plus extra entries (room for per-cohort statistics).
            ulong evRound = EncryptionPlan.CiphertextRound(5, 1, evaluation: true);
            var evAcc = new CiphertextAccumulator(HeParameters.Compact, evRound, 1);
            var sums = new[] { new CoreSums(4096, 12345.678, 2345.5, -17.25), new CoreSums(10, 0.5, 1.5, 1.25), new CoreSums(1, 2, 3, -4) };
            for (int i = 0; i < 3; i++)
            {
                evAcc.Add(keyrings[i].EncryptStatistics(spec, evRound, AdditiveStatistics.FromEvaluation(sums[i], [i, 1e6])));
            }
            byte[] evAggregate = evAcc.ToBytes();
            var evTask = new DecryptTask
            {
                Round = 5, Attempt = 1, Purpose = AggregatePurpose.Evaluation, KeyEpoch = 1, CiphertextRound = evRound,
                AggregateBytes = (ulong)evAggregate.Length, AggregateSha256 = ByteString.CopyFrom(SHA256.HashData(evAggregate)),
            };
            evTask.Contributors.Add(parties.Take(3));
            evTask.ActiveSet.Add([1u, 2u, 4u]);
            // Party 4 is not a contributor of this sum: the active set must be drawn from the contributors.
            Assert.Throws<InvalidOperationException>(() => keyrings[0].CreateShare(evTask, evAggregate));
            evTask.ActiveSet.Clear();
            evTask.ActiveSet.Add([1u, 2u, 3u]);
            var evShares = new[] { 0, 1, 2 }.Select(i => keyrings[i].CreateShare(evTask, evAggregate)).ToArray();
            var (statistics, sites) = UpdateCodec.DecodeStatistics(plan, CollectiveDecryption.Combine(HeParameters.Compact, evAggregate, evShares));
            Assert.Equal(3, sites);
            var total = statistics.ToEvaluation();
            Assert.Equal(4107, total.Count);
            Assert.Equal(12345.678 + 0.5 + 2, total.SumSquaredError, 1e-6);
            Assert.Equal(2345.5 + 1.5 + 3, total.SumAbsoluteError, 1e-6);
            Assert.Equal(-17.25 + 1.25 - 4, total.SumError, 1e-6);
            Assert.Equal([3.0, 3e6], statistics.Values.Skip(4).ToArray());
        }
        finally
        {
            keyrings.ToList().ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public void Keyring_AlteredCommitmentOrForeignKey_IsRejected()
    {
        var parties = new[] { "a", "b", "c" };
        var keyrings = parties.Select(_ => new ParticipantKeyring("run-y")).ToArray();
        try
        {
            var tasks = Tasks(parties, 3, KeyCeremonyPhase.Commit);
            var commits = keyrings.Select((k, i) => k.Commit(tasks[i])).ToArray();
            var reveal = Tasks(parties, 3, KeyCeremonyPhase.Reveal);
            foreach (var t in reveal)
            {
                t.Commitments.Add(commits.Select(c => c.Commitment));
            }
            reveal[1].Commitments[1] = ByteString.CopyFrom(new byte[32]);
            Assert.Throws<InvalidDataException>(() => keyrings[1].Reveal(reveal[1]));
        }
        finally
        {
            keyrings.ToList().ForEach(k => k.Dispose());
        }
    }

    /// <summary>Drives the four ceremony phases between keyrings as the coordinator would; returns the collective key.</summary>
    private static PublicKey Ceremony(ParticipantKeyring[] keyrings, string[] parties, int threshold)
    {
        int n = parties.Length;
        var commit = Tasks(parties, threshold, KeyCeremonyPhase.Commit);
        var commitments = keyrings.Select((k, i) => k.Commit(commit[i])).ToArray();
        var reveal = Tasks(parties, threshold, KeyCeremonyPhase.Reveal);
        foreach (var t in reveal)
        {
            t.Commitments.Add(commitments.Select(c => c.Commitment));
        }
        var contributions = keyrings.Select((k, i) => k.Reveal(reveal[i])).ToArray();
        var keygen = Tasks(parties, threshold, KeyCeremonyPhase.Keygen);
        foreach (var t in keygen)
        {
            t.Commitments.Add(commitments.Select(c => c.Commitment));
            t.Contributions.Add(contributions.Select(c => ByteString.CopyFrom(c)));
            t.ExchangeKeys.Add(commitments.Select(c => c.ExchangePublicKey));
        }
        var generated = keyrings.Select((k, i) => k.GenerateKeys(keygen[i])).ToArray();
        byte[] seed = CommonSeed.Derive(contributions.Select(c => (ReadOnlyMemory<byte>)c));
        var pk = CollectiveKeyGen.Aggregate(HeParameters.Compact, seed, generated.Select(g => g.PublicKeyShare));
        byte[] pkBytes = pk.ToBytes();
        var finish = Tasks(parties, threshold, KeyCeremonyPhase.Finish);
        for (int i = 0; i < n; i++)
        {
            var mine = generated.SelectMany(g => g.Sealed).Where(s => s.ToParty == i + 1).ToArray();
            Assert.Equal(SHA256.HashData(pkBytes), keyrings[i].Finish(finish[i], pkBytes, generated.Select(g => g.PublicKeyShare).ToArray(), mine));
            Assert.Equal(1u, keyrings[i].ActiveEpoch);
        }
        return pk;
    }

    private static KeyCeremonyTask[] Tasks(string[] parties, int threshold, KeyCeremonyPhase phase) =>
        parties.Select((_, i) =>
        {
            var t = new KeyCeremonyTask { Epoch = 1, Phase = phase, ParameterSetId = HeParameters.Compact.Id, PartyIndex = (uint)(i + 1), Threshold = (uint)threshold, MinContributors = 2 };
            t.Parties.Add(parties);
            return t;
        }).ToArray();
}
