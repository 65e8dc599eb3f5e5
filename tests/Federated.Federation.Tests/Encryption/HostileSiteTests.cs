using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using RoundPhase = Federated.Coordinator.Rounds.RoundPhase;
using Federated.Crypto.Rlwe;
using Federated.Federation.Client;
using Federated.Federation.Encryption;
using Federated.Federation.Simulation;
using Federated.Federation.Transport;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federated.Federation.Tests.Encryption;

/// <summary>
/// One site sends garbage (an unusable exchange key, a ciphertext claiming many contributors): the coordinator refuses
/// it with INVALID_ARGUMENT naming the field, honest participants never see it, and the run still completes.
/// </summary>
public class HostileSiteTests
{
    [Fact]
    public void ShareSealer_GarbageOrWrongCurveKey_AndGarbageShare_AreInvalidData()
    {
        using var alice = new ShareSealer("run-1", 7);
        using var bob = new ShareSealer("run-1", 7);
        ShareSealer.ValidatePublicKey(alice.PublicKey);
        byte[] garbage = RandomNumberGenerator.GetBytes(91);
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        byte[] wrongCurve = p384.ExportSubjectPublicKeyInfo();
        foreach (byte[] bad in new[] { garbage, wrongCurve, [], alice.PublicKey.Concat(new byte[] { 0 }).ToArray() })
        {
            Assert.Throws<InvalidDataException>(() => ShareSealer.ValidatePublicKey(bad));
            Assert.Throws<InvalidDataException>(() => alice.Seal(new byte[16], 1, 2, bad));
            Assert.Throws<InvalidDataException>(() => bob.Open(alice.Seal(new byte[16], 1, 2, bob.PublicKey), 2, bad));
        }
        var sealedShare = alice.Seal(new byte[16], 1, 2, bob.PublicKey);
        var flipped = new SealedShare(sealedShare) { Ciphertext = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16)) };
        Assert.Contains("does not authenticate", Assert.Throws<InvalidDataException>(() => bob.Open(flipped, 2, alice.PublicKey)).Message);
    }

    [Fact]
    public void Keyring_PeerWithGarbageExchangeKey_OrGarbageSealedShare_FailsAsInvalidData()
    {
        // InvalidDataException is what ParticipantEncryption.HandleCeremonyAsync drops (logged in Dropped) instead of dying.
        var parties = new[] { "a", "b", "c" };
        var keyrings = parties.Select(_ => new ParticipantKeyring("run-z")).ToArray();
        try
        {
            var commit = Tasks(parties, KeyCeremonyPhase.Commit);
            var commitments = keyrings.Select((k, i) => k.Commit(commit[i])).ToArray();
            var reveal = Tasks(parties, KeyCeremonyPhase.Reveal);
            foreach (var t in reveal)
            {
                t.Commitments.Add(commitments.Select(c => c.Commitment));
            }
            var contributions = keyrings.Select((k, i) => k.Reveal(reveal[i])).ToArray();
            var keygen = Tasks(parties, KeyCeremonyPhase.Keygen);
            foreach (var t in keygen)
            {
                t.Commitments.Add(commitments.Select(c => c.Commitment));
                t.Contributions.Add(contributions.Select(c => ByteString.CopyFrom(c)));
                t.ExchangeKeys.Add(commitments.Select(c => c.ExchangePublicKey));
            }
            // Party 1 is handed a garbage key for party 3.
            var poisoned = new KeyCeremonyTask(keygen[0]);
            poisoned.ExchangeKeys[2] = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(91));
            Assert.Throws<InvalidDataException>(() => keyrings[0].GenerateKeys(poisoned));

            // Parties 2 and 3 generate honestly; party 3 receives a garbage "share" from party 2.
            var g2 = keyrings[1].GenerateKeys(keygen[1]);
            var g1 = keyrings[0].GenerateKeys(keygen[0]);
            var g3 = keyrings[2].GenerateKeys(keygen[2]);
            byte[][] pkShares = [g1.PublicKeyShare, g2.PublicKeyShare, g3.PublicKeyShare];
            byte[] seed = Federated.Crypto.Multiparty.CommonSeed.Derive(contributions.Select(c => (ReadOnlyMemory<byte>)c));
            byte[] pk = Federated.Crypto.Multiparty.CollectiveKeyGen.Aggregate(HeParameters.Compact, seed, pkShares).ToBytes();
            var toThree = new[] { g1.Sealed.Single(s => s.ToParty == 3), new SealedShare(g2.Sealed.Single(s => s.ToParty == 3)) { Tag = ByteString.CopyFrom(new byte[16]) } };
            var finish = Tasks(parties, KeyCeremonyPhase.Finish)[2];
            var ex = Record.Exception(() => keyrings[2].Finish(finish, pk, pkShares, toThree));
            Assert.IsType<InvalidDataException>(ex);
            Assert.Contains("does not authenticate", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            keyrings.ToList().ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public async Task SiteWithGarbageExchangeKey_IsRefusedInvalidArgument_AndTheOthersComplete()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var federation = await EncryptedFederation.StartAsync(64, minParticipants: 3, rounds: 1,
            ("Security:RequireOperatorStart", "true"), ("Federation:Rlwe:CeremonyDeadline", "00:00:05"));
        var tamper = new Tamper(request =>
        {
            if (request is SubmitKeyMaterialRequest { MaterialCase: SubmitKeyMaterialRequest.MaterialOneofCase.Commitment } s)
            {
                s.Commitment.ExchangePublicKey = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(91));
            }
        });
        var honest = Enumerable.Range(0, 3).Select(i => federation.Worker(i).RunAsync(timeout.Token)).ToList();
        using var rogueStop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var rogue = RogueWorker(federation, 3, tamper, out var channel).RunAsync(rogueStop.Token);
        using (channel)
        {
            await federation.StartWhenConnectedAsync(4, timeout.Token);
            await Task.WhenAll(honest);
            await rogueStop.CancelAsync();
            await Record.ExceptionAsync(() => rogue);
        }

        var refused = Assert.Single(tamper.Failures.Where(f => f.Method.EndsWith("SubmitKeyMaterial", StringComparison.Ordinal)).Take(1));
        Assert.Equal(StatusCode.InvalidArgument, refused.Status.StatusCode);
        Assert.Contains("commitment.exchange_public_key", refused.Status.Detail, StringComparison.Ordinal);
        var ended = await federation.Coordinator.Run.Ended.WaitAsync(timeout.Token);
        Assert.True(ended.Completed, ended.Reason);
        Assert.Equal(RoundPhase.Completed, federation.Coordinator.Run.Records[^1].Phase);
        Assert.DoesNotContain("site-3", federation.Coordinator.Run.Records[^1].Participants);
    }

    [Fact]
    public async Task SiteForgingItsContributorCount_IsRefusedInvalidArgument_AndTheRoundCompletes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var federation = await EncryptedFederation.StartAsync(64, minParticipants: 3, rounds: 1,
            ("Security:RequireOperatorStart", "true"), ("Federation:EvaluationDeadline", "00:00:05"));
        var tamper = new Tamper(request =>
        {
            if (request is ReportEvaluationRequest r && r.EncodedSums is { } sums)
            {
                byte[] data = sums.Data.ToByteArray();
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(24), 2);
                r.EncodedSums = new EncodedPayload { Encoding = sums.Encoding, Data = ByteString.CopyFrom(data) };
            }
        });
        var honest = Enumerable.Range(0, 3).Select(i => federation.Worker(i).RunAsync(timeout.Token)).ToList();
        using var rogueStop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var rogue = RogueWorker(federation, 3, tamper, out var channel).RunAsync(rogueStop.Token);
        using (channel)
        {
            await federation.StartWhenConnectedAsync(4, timeout.Token);
            await Task.WhenAll(honest);
            await rogueStop.CancelAsync();
            await Record.ExceptionAsync(() => rogue);
        }

        var refused = Assert.Single(tamper.Failures.Where(f => f.Method.EndsWith("ReportEvaluation", StringComparison.Ordinal)).Take(1));
        Assert.Equal(StatusCode.InvalidArgument, refused.Status.StatusCode);
        Assert.Contains("claims 2 contributors", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("only fresh encryptions", refused.Status.Detail, StringComparison.Ordinal);
        var ended = await federation.Coordinator.Run.Ended.WaitAsync(timeout.Token);
        Assert.True(ended.Completed, ended.Reason);
        Assert.Equal(RoundPhase.Completed, federation.Coordinator.Run.Records[^1].Phase);
    }

    [Fact]
    public void Keyring_SecondUpdateSumForTheSameRound_IsRefused_OtherRoundsAndEvaluationAreNot()
    {
        var parties = new[] { "a", "b", "c" };
        var keyrings = parties.Select(_ => new ParticipantKeyring("run-r")).ToArray();
        try
        {
            CeremonyWithoutThreshold(keyrings, parties);
            var plan = EncryptionPlan.Create(HeParameters.Compact, 40, 64, 1000);
            var spec = plan.ToWire(1);
            (DecryptTask Task, byte[] Aggregate) Sum(ulong round, uint attempt, AggregatePurpose purpose)
            {
                ulong ctRound = EncryptionPlan.CiphertextRound(round, attempt, purpose == AggregatePurpose.Evaluation);
                var acc = new CiphertextAccumulator(HeParameters.Compact, ctRound, 1, freshOnly: true);
                foreach (var k in keyrings)
                {
                    acc.Add(purpose == AggregatePurpose.Update
                        ? k.EncryptUpdate(spec, ctRound, new float[8], 10, 0.5)
                        : k.EncryptStatistics(spec, ctRound, AdditiveStatistics.FromEvaluation(new Core.Federation.EvaluationSums(1, 1, 1, 1))));
                }
                byte[] aggregate = acc.ToBytes();
                var task = new DecryptTask
                {
                    Round = round, Attempt = attempt, Purpose = purpose, KeyEpoch = 1, CiphertextRound = ctRound,
                    AggregateBytes = (ulong)aggregate.Length, AggregateSha256 = ByteString.CopyFrom(SHA256.HashData(aggregate)),
                };
                task.Contributors.Add(parties);
                task.ActiveSet.Add([1u, 2u, 3u]);
                return (task, aggregate);
            }

            var first = Sum(5, 1, AggregatePurpose.Update);
            keyrings[0].CreateShare(first.Task, first.Aggregate);
            // The round "fails" after the sum was decrypted and the coordinator retries it with fresh encryptions.
            var retry = Sum(5, 2, AggregatePurpose.Update);
            Assert.Contains("already helped decrypt the update sum of round 5 (attempt 1)", keyrings[0].CheckDecryption(retry.Task, retry.Aggregate));
            Assert.Throws<InvalidOperationException>(() => keyrings[0].CreateShare(retry.Task, retry.Aggregate));
            // A party that did not share in attempt 1 may; evaluation sums and the next round are unaffected.
            Assert.Null(keyrings[1].CheckDecryption(retry.Task, retry.Aggregate));
            var evaluation = Sum(5, 2, AggregatePurpose.Evaluation);
            Assert.Null(keyrings[0].CheckDecryption(evaluation.Task, evaluation.Aggregate));
            var next = Sum(6, 1, AggregatePurpose.Update);
            Assert.Null(keyrings[0].CheckDecryption(next.Task, next.Aggregate));
        }
        finally
        {
            keyrings.ToList().ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public void Keyring_SubstitutedCollectiveKey_IsRefused()
    {
        var parties = new[] { "a", "b", "c" };
        var keyrings = parties.Select(_ => new ParticipantKeyring("run-k")).ToArray();
        try
        {
            CeremonyWithoutThreshold(keyrings, parties, (seed, pk, shares, finish) =>
            {
                var (fakeKey, fakeShares) = SubstitutedKey(seed);
                // The coordinator's key with the genuine shares: b is not their sum.
                Assert.Contains("not the sum of the parties' public-key shares",
                    Assert.Throws<InvalidDataException>(() => keyrings[0].Finish(finish[0], fakeKey, shares, [])).Message);
                // ... with its own shares too: this party's share is not among them.
                Assert.Contains("is not this party's", Assert.Throws<InvalidDataException>(() => keyrings[0].Finish(finish[0], fakeKey, fakeShares, [])).Message);
                // ... with this party's share spliced in at its index: the sum still differs.
                byte[][] spliced = [shares[0], fakeShares[1], fakeShares[2]];
                Assert.Contains("not the sum", Assert.Throws<InvalidDataException>(() => keyrings[0].Finish(finish[0], fakeKey, spliced, [])).Message);
                // Too few shares to check.
                Assert.Contains("2 public-key shares received, 3 needed", Assert.Throws<InvalidDataException>(() => keyrings[0].Finish(finish[0], pk, shares.Take(2).ToArray(), [])).Message);
                Assert.Equal(0u, keyrings[0].ActiveEpoch);
            });
        }
        finally
        {
            keyrings.ToList().ForEach(k => k.Dispose());
        }
    }

    private static void CeremonyWithoutThreshold(ParticipantKeyring[] keyrings, string[] parties, Action<byte[], byte[], byte[][], KeyCeremonyTask[]>? beforeFinish = null)
    {
        KeyCeremonyTask[] T(KeyCeremonyPhase phase)
        {
            var tasks = Tasks(parties, phase);
            foreach (var t in tasks)
            {
                t.Threshold = (uint)parties.Length;
            }
            return tasks;
        }
        var commitments = keyrings.Select((k, i) => k.Commit(T(KeyCeremonyPhase.Commit)[i])).ToArray();
        var reveal = T(KeyCeremonyPhase.Reveal);
        foreach (var t in reveal)
        {
            t.Commitments.Add(commitments.Select(c => c.Commitment));
        }
        var contributions = keyrings.Select((k, i) => k.Reveal(reveal[i])).ToArray();
        var keygen = T(KeyCeremonyPhase.Keygen);
        foreach (var t in keygen)
        {
            t.Commitments.Add(commitments.Select(c => c.Commitment));
            t.Contributions.Add(contributions.Select(c => ByteString.CopyFrom(c)));
            t.ExchangeKeys.Add(commitments.Select(c => c.ExchangePublicKey));
        }
        var generated = keyrings.Select((k, i) => k.GenerateKeys(keygen[i])).ToArray();
        byte[] seed = Federated.Crypto.Multiparty.CommonSeed.Derive(contributions.Select(c => (ReadOnlyMemory<byte>)c));
        byte[] pk = Federated.Crypto.Multiparty.CollectiveKeyGen.Aggregate(HeParameters.Compact, seed, generated.Select(g => g.PublicKeyShare)).ToBytes();
        var finish = T(KeyCeremonyPhase.Finish);
        beforeFinish?.Invoke(seed, pk, generated.Select(g => g.PublicKeyShare).ToArray(), finish);
        for (int i = 0; i < keyrings.Length; i++)
        {
            keyrings[i].Finish(finish[i], pk, generated.Select(g => g.PublicKeyShare).ToArray(), []);
        }
    }

    private static ParticipantWorker RogueWorker(EncryptedFederation federation, int index, Tamper tamper, out IDisposable channel)
    {
        var grpc = FederationChannel.Create(federation.Coordinator.Address);
        channel = grpc;
        var trainer = new QuadraticTrainer(federation.Source.Layout, QuadraticTrainer.Target(federation.Source.Layout.Length, 5f + index, index), 100);
        return new ParticipantWorker(new FederationClient(grpc.CreateCallInvoker().Intercept(tamper)), trainer,
            new ParticipantOptions { Coordinator = federation.Coordinator.Address, SiteId = EncryptedFederation.SiteId(index) });
    }

    /// <summary>A coordinator's own key on the ceremony's seed: its own three parties' shares and their sum.</summary>
    private static (byte[] Key, byte[][] Shares) SubstitutedKey(byte[] seed)
    {
        var keys = Enumerable.Range(1, 3).Select(i => Federated.Crypto.Multiparty.PartyKeys.Generate(HeParameters.Compact, seed, i, 3, 3, 1)).ToArray();
        try
        {
            byte[][] shares = keys.Select(k => k.CreatePublicKeyShare()).ToArray();
            return (Federated.Crypto.Multiparty.CollectiveKeyGen.Aggregate(HeParameters.Compact, seed, shares).ToBytes(), shares);
        }
        finally
        {
            keys.ToList().ForEach(k => k.Dispose());
        }
    }

    private static KeyCeremonyTask[] Tasks(string[] parties, KeyCeremonyPhase phase) =>
        parties.Select((_, i) =>
        {
            var t = new KeyCeremonyTask { Epoch = 1, Phase = phase, ParameterSetId = HeParameters.Compact.Id, PartyIndex = (uint)(i + 1), Threshold = 2, MinContributors = 2 };
            t.Parties.Add(parties);
            return t;
        }).ToArray();

    /// <summary>Client-side interceptor: edits unary requests before they leave, records the failures that come back.</summary>
    private sealed class Tamper(Action<object> edit) : Interceptor
    {
        public ConcurrentQueue<(string Method, Status Status)> Failures { get; } = new();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            edit(request);
            var call = continuation(request, context);
            var response = Observe(call.ResponseAsync, context.Method.FullName);
            return new AsyncUnaryCall<TResponse>(response, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }

        private async Task<T> Observe<T>(Task<T> response, string method)
        {
            try
            {
                return await response.ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                Failures.Enqueue((method, ex.Status));
                throw;
            }
        }
    }
}
