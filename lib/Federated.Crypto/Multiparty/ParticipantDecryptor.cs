using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Multiparty;

/// <summary>
/// The participant-side gatekeeper of collective decryption. It produces at most ONE decryption share per
/// ciphertext ever (a log of SHA-256(c1) per chunk, checked and written before any share is computed, so neither a
/// retry nor another threshold subset gets a second one), counts chunks against the key's budget D, and refuses
/// requests without a round id or with fewer than <see cref="MinParticipants"/> contributors.
/// Thread-safe: the checks and the log update happen under one lock; shares are computed outside it.
/// The log lives in memory: a participant that restarts with the same keys must restore it (or rotate keys).
/// </summary>
public sealed class ParticipantDecryptor
{
    private readonly PartyKeys _keys;
    private readonly HashSet<string> _decrypted = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _used;

    public ParticipantDecryptor(PartyKeys keys, int minParticipants)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (minParticipants < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(minParticipants), minParticipants, "At least two contributors are needed, or the 'sum' is one party's input.");
        }

        _keys = keys;
        MinParticipants = minParticipants;
    }

    public int MinParticipants { get; }

    /// <summary>Ciphertext chunks decrypted so far with this key.</summary>
    public long DecryptionsUsed
    {
        get
        {
            lock (_gate)
            {
                return _used;
            }
        }
    }

    public long DecryptionsRemaining => _keys.Parameters.MaxDecryptionsPerKey - DecryptionsUsed;

    /// <summary>Serialized share for a serialized aggregate.</summary>
    public byte[] CreateShare(ReadOnlySpan<byte> aggregate, ulong round, IEnumerable<int> activeSet) =>
        CreateShare(EncryptedVector.FromBytes(_keys.Parameters, aggregate), round, activeSet).ToBytes();

    /// <summary>
    /// Share of <paramref name="aggregate"/> for the decryption by exactly the parties in <paramref name="activeSet"/>
    /// (T of them in threshold mode, all N otherwise).
    /// </summary>
    public DecryptionShare CreateShare(EncryptedVector aggregate, ulong round, IEnumerable<int> activeSet)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(activeSet);
        _keys.ThrowIfDisposed();
        HeParameters p = _keys.Parameters;
        if (aggregate.Parameters.Fingerprint != p.Fingerprint)
        {
            throw new InvalidOperationException($"Aggregate is for parameter set '{aggregate.Parameters.Name}', the key for '{p.Name}'.");
        }

        if (round == 0)
        {
            throw new InvalidOperationException("Refused: the decryption request names no round.");
        }

        if (aggregate.Round != round)
        {
            throw new InvalidOperationException($"Refused: the request is for round {round} but the aggregate was encrypted for round {aggregate.Round}.");
        }

        if (aggregate.Epoch != _keys.Epoch)
        {
            throw new InvalidOperationException($"Refused: the aggregate is under key epoch {aggregate.Epoch}, this key is epoch {_keys.Epoch}.");
        }

        if (aggregate.Contributors < MinParticipants)
        {
            throw new InvalidOperationException($"Refused: the aggregate has {aggregate.Contributors} contributors, fewer than the minimum of {MinParticipants}.");
        }

        int[] active = activeSet.Distinct().Order().ToArray();
        int expected = _keys.Threshold;
        if (active.Length != expected || active[0] < 1 || active[^1] > _keys.PartyCount || Array.BinarySearch(active, _keys.PartyIndex) < 0)
        {
            throw new InvalidOperationException(
                $"Refused: the active set must name exactly {expected} distinct parties in [1, {_keys.PartyCount}] including this party ({_keys.PartyIndex}); got [{string.Join(", ", active)}].");
        }

        if (!_keys.IsReadyToDecrypt)
        {
            throw new InvalidOperationException("Refused: the threshold secret has not been combined yet.");
        }

        string[] hashes = aggregate.Chunks.Select(c => Convert.ToHexString(EncryptedVector.HashC1(c))).ToArray();
        if (hashes.Distinct(StringComparer.Ordinal).Count() != hashes.Length)
        {
            // Two chunks with the same c1 in one request would yield two shares of that c1 (the log is checked
            // before it is updated), cancelling the smudging the one-share rule exists to protect.
            throw new InvalidOperationException("Refused: the aggregate repeats a ciphertext chunk (two chunks share the same c1).");
        }

        lock (_gate)
        {
            foreach (string h in hashes)
            {
                if (_decrypted.Contains(h))
                {
                    throw new InvalidOperationException("Refused: this party already produced a decryption share for this ciphertext; a failed round must be re-encrypted.");
                }
            }

            if (_used + hashes.Length > p.MaxDecryptionsPerKey)
            {
                throw new InvalidOperationException($"Refused: {hashes.Length} more decryptions would exceed the budget D = {p.MaxDecryptionsPerKey} of this key ({_used} used); rotate keys.");
            }

            foreach (string h in hashes)
            {
                _decrypted.Add(h);
            }

            _used += hashes.Length;
        }

        return Compute(_keys, aggregate, active, smudge: true);
    }

    /// <summary>h_j = c1·(l_j·sk_j) + ẽ_j per chunk, with the Lagrange weight applied BEFORE the smudging noise is added.</summary>
    internal static DecryptionShare Compute(PartyKeys keys, EncryptedVector aggregate, int[] active, bool smudge)
    {
        HeParameters p = keys.Parameters;
        RingQ ring = p.Ring;
        ShoupPoly key = keys.IsThreshold ? keys.ThresholdSecret! : keys.Secret;
        ulong[]? lambda = keys.IsThreshold ? Lagrange.Coefficient(ring, keys.PartyIndex, active) : null;
        var h = new Poly[aggregate.ChunkCount];
        Int128[] noise = new Int128[p.N];
        for (int c = 0; c < h.Length; c++)
        {
            Poly t = aggregate.Chunks[c].C1.Clone();
            ring.Forward(t);
            ring.MulCoeffsShoup(t, key, t);
            if (lambda is not null)
            {
                ring.MulScalarInPlace(t, lambda);
            }

            ring.Inverse(t);
            if (smudge)
            {
                SmudgingSampler.Sample(SystemRandomSource.Instance, p.SmudgingBound, noise);
                SmudgingSampler.AddInto(ring, noise, t);
            }

            h[c] = t;
        }

        Array.Clear(noise);
        return new DecryptionShare(p, aggregate.Epoch, aggregate.Round, keys.PartyIndex, active, aggregate.Digest(), aggregate.ValueCount, h);
    }
}
