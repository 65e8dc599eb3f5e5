using System.Globalization;
using System.Security.Cryptography;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;
using Federated.Federation.V1;

namespace Federated.Federation.Encryption;

/// <summary>
/// A participant's key material and the rules it applies, one key epoch at a time: the ceremony steps (commit,
/// reveal, key generation with sealed threshold shares, finish), encryption under the collective key, and the
/// gate in front of every decryption share. Nothing secret leaves it except sealed for another party; secrets are
/// zeroed when replaced or disposed. Not thread-safe: the participant worker drives it from one task at a time.
/// </summary>
public sealed class ParticipantKeyring : IDisposable
{
    private readonly string _runId;
    private readonly int _localMinContributors;
    private Epoch? _pending;
    private Epoch? _active;
    // Round → attempt of the update sum this party helped decrypt (across key epochs). A second update sum for the
    // same round is trained from the same base model, possibly by another site set: two such sums differ by
    // individual updates, so a party helps decrypt at most one per round.
    private readonly Dictionary<ulong, uint> _updateShareRounds = [];

    /// <param name="runId">The run joined (binds sealed shares to it).</param>
    /// <param name="localMinContributors">This site's own floor on contributors per decrypted aggregate (at least 2).</param>
    public ParticipantKeyring(string runId, int localMinContributors = 2)
    {
        ArgumentNullException.ThrowIfNull(runId);
        _runId = runId;
        _localMinContributors = Math.Max(2, localMinContributors);
    }

    /// <summary>The key epoch ready for encryption and decryption, 0 when none.</summary>
    public uint ActiveEpoch => _active?.Number ?? 0;

    /// <summary>Decryptions (ciphertext chunks) left under the active key.</summary>
    public long DecryptionsRemaining => _active?.Decryptor?.DecryptionsRemaining ?? 0;

    /// <summary>Phase COMMIT: a fresh seed contribution and exchange key; returns their public parts.</summary>
    public SeedCommitment Commit(KeyCeremonyTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var parameters = HeParameters.FromId(checked((ushort)task.ParameterSetId));
        int n = task.Parties.Count;
        if (n < 2 || task.PartyIndex < 1 || task.PartyIndex > n || task.Threshold < 2 || task.Threshold > n || task.MinContributors < 2)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"key ceremony {task.Epoch}: {n} parties, party_index {task.PartyIndex}, threshold {task.Threshold}, min_contributors {task.MinContributors} are inconsistent"));
        }
        if (task.Epoch <= (_active?.Number ?? 0))
        {
            throw new InvalidDataException($"key ceremony epoch {task.Epoch} is not newer than the active epoch {_active!.Number}");
        }
        _pending?.Dispose();
        _pending = new Epoch(task.Epoch, parameters, (int)task.PartyIndex, n, (int)task.Threshold, (int)task.MinContributors, task.Parties.ToArray(), new ShareSealer(_runId, task.Epoch));
        return new SeedCommitment
        {
            Commitment = Google.Protobuf.ByteString.CopyFrom(CommonSeed.Commit(_pending.Contribution)),
            ExchangePublicKey = Google.Protobuf.ByteString.CopyFrom(_pending.Sealer.PublicKey),
        };
    }

    /// <summary>Phase REVEAL: checks that the coordinator relayed this party's commitment unchanged, then reveals.</summary>
    public byte[] Reveal(KeyCeremonyTask task)
    {
        var e = Pending(task);
        if (task.Commitments.Count != e.PartyCount)
        {
            throw new InvalidDataException($"key ceremony {e.Number}: {task.Commitments.Count} commitments for {e.PartyCount} parties");
        }
        if (!CryptographicOperations.FixedTimeEquals(task.Commitments[e.PartyIndex - 1].Span, CommonSeed.Commit(e.Contribution)))
        {
            throw new InvalidDataException($"key ceremony {e.Number}: the relayed commitment of this party was altered");
        }
        e.Commitments = task.Commitments.Select(c => c.ToByteArray()).ToArray();
        return (byte[])e.Contribution.Clone();
    }

    /// <summary>
    /// Phase KEYGEN: every reveal must open the commitment seen in phase REVEAL; the common seed is their hash. Returns
    /// the public-key share and (T &lt; N) the sealed threshold shares for the other parties.
    /// </summary>
    public (byte[] PublicKeyShare, IReadOnlyList<SealedShare> Sealed) GenerateKeys(KeyCeremonyTask task)
    {
        var e = Pending(task);
        if (e.Commitments is null || task.Contributions.Count != e.PartyCount || task.ExchangeKeys.Count != e.PartyCount)
        {
            throw new InvalidDataException($"key ceremony {e.Number}: phase KEYGEN needs {e.PartyCount} contributions and exchange keys after REVEAL");
        }
        for (int i = 0; i < e.PartyCount; i++)
        {
            if (!CommonSeed.Verify(e.Commitments[i], task.Contributions[i].Span))
            {
                throw new InvalidDataException($"key ceremony {e.Number}: the contribution of party {i + 1} does not open its commitment");
            }
        }
        if (!CryptographicOperations.FixedTimeEquals(task.ExchangeKeys[e.PartyIndex - 1].Span, e.Sealer.PublicKey))
        {
            throw new InvalidDataException($"key ceremony {e.Number}: the relayed exchange key of this party was altered");
        }
        e.Seed = CommonSeed.Derive(task.Contributions.Select(c => c.Memory));
        e.ExchangeKeys = task.ExchangeKeys.Select(k => k.ToByteArray()).ToArray();
        e.Keys = PartyKeys.Generate(e.Parameters, e.Seed, e.PartyIndex, e.PartyCount, e.Threshold, e.Number);
        byte[] pkShare = e.Keys.CreatePublicKeyShare();
        e.PublicKeyShare = pkShare;
        var sealedShares = new List<SealedShare>();
        if (e.Keys.IsThreshold)
        {
            foreach (var (to, blob) in e.Keys.CreateThresholdShares())
            {
                sealedShares.Add(e.Sealer.Seal(blob, e.PartyIndex, to, e.ExchangeKeys[to - 1]));
                CryptographicOperations.ZeroMemory(blob);
            }
        }
        return (pkShare, sealedShares);
    }

    /// <summary>
    /// Phase FINISH: checks that the collective key was built on the jointly derived seed and is exactly the sum of
    /// the N public-key shares (this party's own among them, unchanged), opens and combines the threshold shares
    /// addressed to this party, and makes the epoch active. Returns SHA-256 of the public key.
    /// </summary>
    public byte[] Finish(KeyCeremonyTask task, byte[] publicKey, IReadOnlyList<byte[]> publicKeyShares, IReadOnlyList<SealedShare> sealedShares)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(publicKeyShares);
        ArgumentNullException.ThrowIfNull(sealedShares);
        var e = Pending(task);
        if (e.Keys is null || e.Seed is null || e.ExchangeKeys is null)
        {
            throw new InvalidDataException($"key ceremony {e.Number}: phase FINISH before KEYGEN");
        }
        var pk = PublicKey.FromBytes(e.Parameters, publicKey);
        if (!CryptographicOperations.FixedTimeEquals(pk.CommonSeed, e.Seed) || pk.Epoch != e.Number || pk.PartyCount != e.PartyCount)
        {
            throw new InvalidDataException($"key ceremony {e.Number}: the collective key is not built on this ceremony's common seed, epoch and parties");
        }
        CheckCollectiveKey(e, publicKey, publicKeyShares);
        if (e.Keys.IsThreshold)
        {
            var from = new HashSet<uint>();
            var blobs = new List<byte[]>();
            try
            {
                foreach (var s in sealedShares)
                {
                    if (s.FromParty < 1 || s.FromParty > e.PartyCount || s.FromParty == e.PartyIndex || !from.Add(s.FromParty))
                    {
                        throw new InvalidDataException($"key ceremony {e.Number}: unexpected or repeated sealed share from party {s.FromParty}");
                    }
                    blobs.Add(e.Sealer.Open(s, e.PartyIndex, e.ExchangeKeys[s.FromParty - 1]));
                }
                if (from.Count != e.PartyCount - 1)
                {
                    throw new InvalidDataException($"key ceremony {e.Number}: {from.Count} sealed shares received, {e.PartyCount - 1} needed");
                }
                e.Keys.CombineThresholdShares(blobs);
            }
            finally
            {
                blobs.ForEach(b => CryptographicOperations.ZeroMemory(b));
            }
        }
        e.PublicKey = pk;
        e.Encryptor = new VectorEncryptor(pk);
        e.Decryptor = new ParticipantDecryptor(e.Keys, Math.Max(e.MinContributors, _localMinContributors));
        _active?.Dispose();
        _active = e;
        _pending = null;
        return SHA256.HashData(publicKey);
    }

    /// <summary>b must be Σ p_i over all N parties with this party's p_i byte-identical at its index: a coordinator
    /// cannot substitute a key of its own (or drop this party's share).</summary>
    private static void CheckCollectiveKey(Epoch e, byte[] publicKey, IReadOnlyList<byte[]> shares)
    {
        if (shares.Count != e.PartyCount)
        {
            throw new InvalidDataException($"key ceremony {e.Number}: {shares.Count} public-key shares received, {e.PartyCount} needed to check the collective key");
        }
        if (e.PublicKeyShare is null || !CryptographicOperations.FixedTimeEquals(shares[e.PartyIndex - 1], e.PublicKeyShare))
        {
            throw new InvalidDataException($"key ceremony {e.Number}: the public-key share relayed at index {e.PartyIndex} is not this party's");
        }
        byte[] recomputed;
        try
        {
            var shareObjects = shares.Select(s => PublicKeyShare.FromBytes(e.Parameters, s)).ToArray();
            for (int i = 0; i < shareObjects.Length; i++)
            {
                if (shareObjects[i].PartyIndex != i + 1 || shareObjects[i].Epoch != e.Number)
                {
                    throw new InvalidDataException($"public-key share {i + 1} is for party {shareObjects[i].PartyIndex} epoch {shareObjects[i].Epoch}");
                }
            }
            recomputed = CollectiveKeyGen.Aggregate(e.Parameters, e.Seed, shareObjects).ToBytes();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"key ceremony {e.Number}: the public-key shares are inconsistent: {ex.Message}", ex);
        }
        if (!CryptographicOperations.FixedTimeEquals(recomputed, publicKey))
        {
            throw new InvalidDataException($"key ceremony {e.Number}: the collective key is not the sum of the parties' public-key shares (substituted key refused)");
        }
    }

    /// <summary>Encrypts an update for <paramref name="spec"/>'s epoch; returns the ciphertext bytes.</summary>
    public byte[] EncryptUpdate(EncryptionSpec spec, ulong ciphertextRound, ReadOnlySpan<float> delta, long sampleCount, double trainLoss, double qfflH = 0)
    {
        var (e, plan) = ActiveFor(spec);
        var (slots, weight) = UpdateCodec.EncodeUpdate(plan, delta, sampleCount, trainLoss, qfflH);
        e.OwnCiphertexts.Clear();
        var ct = e.Encryptor!.Encrypt(slots, weight, ciphertextRound);
        e.OwnCiphertexts.Add(SHA256.HashData(ct));
        return ct;
    }

    /// <summary>Encrypts a statistics vector (evaluation sums) for <paramref name="spec"/>'s epoch.</summary>
    public byte[] EncryptStatistics(EncryptionSpec spec, ulong ciphertextRound, AdditiveStatistics statistics)
    {
        var (e, plan) = ActiveFor(spec);
        var ct = e.Encryptor!.Encrypt(UpdateCodec.EncodeStatistics(plan, statistics), 1, ciphertextRound);
        e.OwnCiphertexts.Add(SHA256.HashData(ct));
        return ct;
    }

    /// <summary>
    /// Step PREPARE: null when this party will help decrypt <paramref name="aggregate"/> for <paramref name="task"/>,
    /// otherwise the reason it refuses. Checks everything that does not need the secret key.
    /// </summary>
    public string? CheckDecryption(DecryptTask task, ReadOnlySpan<byte> aggregate)
    {
        ArgumentNullException.ThrowIfNull(task);
        var e = _active;
        if (e is null || task.KeyEpoch != e.Number)
        {
            return $"no active key for epoch {task.KeyEpoch}";
        }
        if (task.Purpose is not (AggregatePurpose.Update or AggregatePurpose.Evaluation))
        {
            return "the request names no purpose";
        }
        ulong expectedRound;
        try
        {
            expectedRound = EncryptionPlan.CiphertextRound(task.Round, task.Attempt, task.Purpose == AggregatePurpose.Evaluation);
        }
        catch (ArgumentOutOfRangeException)
        {
            return $"the request names no valid round (round {task.Round}, attempt {task.Attempt})";
        }
        if (task.CiphertextRound != expectedRound)
        {
            return $"ciphertext_round {task.CiphertextRound} does not match round {task.Round} attempt {task.Attempt} ({expectedRound})";
        }
        if (task.Purpose == AggregatePurpose.Update && _updateShareRounds.TryGetValue(task.Round, out uint sharedAttempt) && sharedAttempt != task.Attempt)
        {
            return $"this party already helped decrypt the update sum of round {task.Round} (attempt {sharedAttempt}); a second sum from the same base model is refused";
        }
        int min = e.Decryptor!.MinParticipants;
        var contributors = task.Contributors.Distinct(StringComparer.Ordinal).ToArray();
        if (contributors.Length != task.Contributors.Count || contributors.Length < min)
        {
            return $"the request names {contributors.Length} distinct contributors, fewer than the minimum of {min}";
        }
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(aggregate), task.AggregateSha256.Span))
        {
            return "the aggregate does not match the digest in the request";
        }
        if (e.OwnCiphertexts.Any(h => CryptographicOperations.FixedTimeEquals(h, task.AggregateSha256.Span)))
        {
            return "the 'aggregate' is this party's own ciphertext";
        }
        EncryptedVector vector;
        try
        {
            vector = EncryptedVector.FromBytes(e.Parameters, aggregate);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            return "the aggregate is malformed: " + ex.Message;
        }
        if (vector.Round != expectedRound || vector.Epoch != e.Number)
        {
            return $"the aggregate is for ciphertext round {vector.Round} epoch {vector.Epoch}, the request for {expectedRound} epoch {e.Number}";
        }
        if (vector.Contributors != contributors.Length)
        {
            return $"the aggregate sums {vector.Contributors} ciphertexts but the request names {contributors.Length} contributors";
        }
        if (vector.Contributors < min)
        {
            return $"the aggregate has {vector.Contributors} contributors, fewer than the minimum of {min}";
        }
        if (e.Decryptor.DecryptionsRemaining < vector.ChunkCount)
        {
            return $"the key's decryption budget is used up ({e.Decryptor.DecryptionsRemaining} left, {vector.ChunkCount} needed)";
        }
        return null;
    }

    /// <summary>
    /// Step SHARE: the decryption share for the active set. Repeats the PREPARE checks; the one-share-per-ciphertext
    /// rule and the key's budget are enforced by <see cref="ParticipantDecryptor"/>. Throws <see cref="InvalidOperationException"/> on refusal.
    /// </summary>
    public byte[] CreateShare(DecryptTask task, ReadOnlySpan<byte> aggregate)
    {
        if (CheckDecryption(task, aggregate) is { } refusal)
        {
            throw new InvalidOperationException("Refused: " + refusal + ".");
        }
        var e = _active!;
        var active = task.ActiveSet.Select(i => (int)i).ToArray();
        if (active.Any(i => i < 1 || i > e.PartyCount || !task.Contributors.Contains(e.Parties[i - 1], StringComparer.Ordinal)))
        {
            throw new InvalidOperationException("Refused: the active set names a party that is not a contributor of this aggregate.");
        }
        byte[] share = e.Decryptor!.CreateShare(aggregate, task.CiphertextRound, active);
        if (task.Purpose == AggregatePurpose.Update)
        {
            _updateShareRounds[task.Round] = task.Attempt;
        }
        return share;
    }

    private (Epoch Epoch, EncryptionPlan Plan) ActiveFor(EncryptionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var e = _active;
        if (e is null || spec.KeyEpoch != e.Number)
        {
            throw new InvalidOperationException($"No key for epoch {spec.KeyEpoch} (active: {e?.Number ?? 0}).");
        }
        var plan = EncryptionPlan.FromWire(spec);
        if (plan.Parameters.Fingerprint != e.Parameters.Fingerprint)
        {
            throw new InvalidDataException($"encryption.parameter_set_id {spec.ParameterSetId} differs from the key's parameter set '{e.Parameters.Name}'.");
        }
        return (e, plan);
    }

    private Epoch Pending(KeyCeremonyTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return _pending is { } e && e.Number == task.Epoch
            ? e
            : throw new InvalidDataException($"key ceremony epoch {task.Epoch} was not started (COMMIT) on this participant");
    }

    public void Dispose()
    {
        _pending?.Dispose();
        _active?.Dispose();
        _pending = null;
        _active = null;
    }

    /// <summary>One epoch's material.</summary>
    private sealed class Epoch(uint number, HeParameters parameters, int partyIndex, int partyCount, int threshold, int minContributors, string[] parties, ShareSealer sealer) : IDisposable
    {
        public uint Number { get; } = number;
        public HeParameters Parameters { get; } = parameters;
        public int PartyIndex { get; } = partyIndex;
        public int PartyCount { get; } = partyCount;
        public int Threshold { get; } = threshold;
        public int MinContributors { get; } = minContributors;
        public string[] Parties { get; } = parties;
        public ShareSealer Sealer { get; } = sealer;
        public byte[] Contribution { get; } = CommonSeed.NewContribution();
        public byte[][]? Commitments { get; set; }
        public byte[][]? ExchangeKeys { get; set; }
        public byte[]? Seed { get; set; }
        public PartyKeys? Keys { get; set; }
        /// <summary>This party's serialized p_i, to find it unchanged among the shares relayed in FINISH.</summary>
        public byte[]? PublicKeyShare { get; set; }
        public PublicKey? PublicKey { get; set; }
        public VectorEncryptor? Encryptor { get; set; }
        public ParticipantDecryptor? Decryptor { get; set; }
        /// <summary>SHA-256 of this party's own ciphertexts in the current round: never decrypted alone.</summary>
        public List<byte[]> OwnCiphertexts { get; } = [];

        public void Dispose()
        {
            CryptographicOperations.ZeroMemory(Contribution);
            Keys?.Dispose();
            Sealer.Dispose();
        }
    }
}
