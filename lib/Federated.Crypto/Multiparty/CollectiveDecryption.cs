using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Multiparty;

/// <summary>Coordinator side of collective decryption: c0 + Σ h_j = 2^g·ΣM + noise, decoded exactly. Stateless, thread-safe.</summary>
public static class CollectiveDecryption
{
    /// <summary>Combines serialized shares with the serialized aggregate into the decoded sum.</summary>
    public static DecodedVector Combine(HeParameters parameters, ReadOnlySpan<byte> aggregate, IEnumerable<byte[]> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        EncryptedVector agg = EncryptedVector.FromBytes(parameters, aggregate);
        return Combine(agg, shares.Select(s => DecryptionShare.FromBytes(parameters, s)));
    }

    /// <summary>
    /// Checks that the shares belong to this aggregate (digest, round, epoch), come from distinct parties and
    /// cover exactly the active set they all name, then decrypts and decodes.
    /// </summary>
    public static DecodedVector Combine(EncryptedVector aggregate, IEnumerable<DecryptionShare> shares)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(shares);
        DecryptionShare[] list = shares.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("No decryption shares.", nameof(shares));
        }

        byte[] digest = aggregate.Digest();
        IReadOnlyList<int> active = list[0].ActiveSet;
        var seen = new HashSet<int>();
        foreach (DecryptionShare s in list)
        {
            if (s.Parameters.Fingerprint != aggregate.Parameters.Fingerprint)
            {
                throw new ArgumentException($"Share of party {s.PartyIndex} is for parameter set '{s.Parameters.Name}'.", nameof(shares));
            }

            if (!s.Digest.AsSpan().SequenceEqual(digest) || s.Round != aggregate.Round || s.Epoch != aggregate.Epoch || s.ValueCount != aggregate.ValueCount)
            {
                throw new ArgumentException($"Share of party {s.PartyIndex} was made for a different aggregate (round {s.Round}, epoch {s.Epoch}).", nameof(shares));
            }

            if (!s.ActiveSet.SequenceEqual(active))
            {
                throw new ArgumentException($"Share of party {s.PartyIndex} used active set [{string.Join(", ", s.ActiveSet)}], others [{string.Join(", ", active)}].", nameof(shares));
            }

            if (!seen.Add(s.PartyIndex))
            {
                throw new ArgumentException($"Two shares from party {s.PartyIndex}.", nameof(shares));
            }
        }

        if (seen.Count != active.Count)
        {
            var missing = active.Where(a => !seen.Contains(a));
            throw new ArgumentException($"Missing decryption shares from parties {string.Join(", ", missing)} of the active set.", nameof(shares));
        }

        if (list.Length > aggregate.Parameters.MaxParticipants)
        {
            throw new ArgumentException($"{list.Length} shares exceed P_max = {aggregate.Parameters.MaxParticipants}: their smudging noise could overflow the guard bits.", nameof(shares));
        }

        return CombineUnchecked(aggregate, list);
    }

    /// <summary>The arithmetic alone, without the bookkeeping checks (tests use it to show that wrong inputs give garbage).</summary>
    internal static DecodedVector CombineUnchecked(EncryptedVector aggregate, IReadOnlyList<DecryptionShare> shares)
    {
        HeParameters p = aggregate.Parameters;
        RingQ ring = p.Ring;
        long[] raw = new long[aggregate.ValueCount];
        long companion = 0;
        long[] decoded = new long[p.N];
        Poly sum = ring.NewPoly();
        for (int c = 0; c < aggregate.ChunkCount; c++)
        {
            aggregate.Chunks[c].C0.Coeffs.CopyTo(sum.Coeffs, 0);
            foreach (DecryptionShare s in shares)
            {
                ring.AddInPlace(sum, s.H[c]);
            }

            PlaintextDecoder.Decode(p, sum, decoded);
            long start = (long)c * p.N;
            for (int i = 0; i < p.N; i++)
            {
                long slot = start + i;
                if (slot == 0)
                {
                    companion = decoded[i];
                }
                else if (slot - 1 < raw.Length)
                {
                    raw[slot - 1] = decoded[i];
                }
            }
        }

        return new DecodedVector(p, raw, companion, aggregate.Contributors, aggregate.Round);
    }
}
