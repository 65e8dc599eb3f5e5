using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>
/// Adds serialized ciphertexts one at a time into a running aggregate, without any key. Memory is two vectors
/// (the sum and one scratch copy), whatever the number of parties. Each input is fully validated before it touches
/// the sum, so a rejected input leaves the aggregate unchanged. Not thread-safe: one accumulator per aggregation.
/// </summary>
public sealed class CiphertextAccumulator
{
    private readonly HeParameters _p;
    private readonly ulong? _round;
    private readonly uint? _epoch;
    private readonly bool _freshOnly;
    private EncryptedVector? _sum;
    private Poly[]? _scratch;

    /// <param name="parameters">The parameter set every input must carry.</param>
    /// <param name="round">If given, inputs of any other round are refused.</param>
    /// <param name="epoch">If given, inputs under any other key epoch are refused.</param>
    /// <param name="freshOnly">
    /// If true, every input must be a single fresh encryption (header contributor count 1). The count in the header
    /// is written by whoever serialized the ciphertext, so an aggregator receiving ciphertexts straight from the
    /// encrypting parties must use this mode: otherwise one party could claim to be many and inflate the aggregate's
    /// count (pushing honest parties' decryption checks or P_max). Only a tier that adds other trusted aggregators'
    /// sums may leave it off.
    /// </param>
    public CiphertextAccumulator(HeParameters parameters, ulong? round = null, uint? epoch = null, bool freshOnly = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
        _round = round;
        _epoch = epoch;
        _freshOnly = freshOnly;
    }

    /// <summary>Fresh ciphertexts summed so far.</summary>
    public int Contributors => _sum?.Contributors ?? 0;

    /// <summary>The aggregate; null until the first input.</summary>
    public EncryptedVector? Aggregate => _sum;

    /// <summary>Validates and adds one serialized ciphertext (fresh or itself an aggregate).</summary>
    public void Add(ReadOnlySpan<byte> serialized)
    {
        var (h, contributors, count) = EncryptedVector.ReadPrefix(_p, serialized);
        CheckExpected(h.Round, h.Epoch);
        CheckFresh(contributors);
        if (_sum is not null)
        {
            _sum.CheckCompatible(_p, h.Epoch, h.Round, count);
            CheckCapacity(contributors);
        }

        int chunks = _p.ChunkCount(count);
        int polys = chunks * 2;
        if (_scratch is null || _scratch.Length != polys)
        {
            _scratch = new Poly[polys];
            for (int i = 0; i < polys; i++)
            {
                _scratch[i] = _p.Ring.NewPoly();
            }
        }

        int off = WireHeader.Size + 8;
        for (int i = 0; i < polys; i++)
        {
            BitPacker.Unpack(_p, serialized[off..], _scratch[i], $"Ciphertext chunk {i / 2} c{i % 2}");
            off += _p.PolyPackedBytes;
        }

        if (_sum is null)
        {
            var cts = new Ciphertext[chunks];
            for (int c = 0; c < chunks; c++)
            {
                cts[c] = new Ciphertext(_scratch[2 * c], _scratch[(2 * c) + 1]);
            }

            _sum = new EncryptedVector(_p, h.Epoch, h.Round, count, contributors, cts);
            _scratch = null;
            return;
        }

        RingQ ring = _p.Ring;
        for (int c = 0; c < chunks; c++)
        {
            ring.AddInPlace(_sum.Chunks[c].C0, _scratch[2 * c]);
            ring.AddInPlace(_sum.Chunks[c].C1, _scratch[(2 * c) + 1]);
        }

        _sum.AddContributors(contributors);
    }

    /// <summary>Adds an in-memory vector (e.g. from a lower aggregation tier).</summary>
    public void Add(EncryptedVector vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        CheckExpected(vector.Round, vector.Epoch);
        CheckFresh(vector.Contributors);
        if (_sum is null)
        {
            // Copy so later additions never mutate the caller's object.
            _sum = EncryptedVector.FromBytes(_p, vector.ToBytes());
            return;
        }

        _sum.AddInPlace(vector);
    }

    public byte[] ToBytes() => (_sum ?? throw new InvalidOperationException("Nothing has been added yet.")).ToBytes();

    private void CheckExpected(ulong round, uint epoch)
    {
        if (_round is { } r && r != round)
        {
            throw new InvalidDataException($"Ciphertext is for round {round}; this aggregation is for round {r}.");
        }

        if (_epoch is { } e && e != epoch)
        {
            throw new InvalidDataException($"Ciphertext is under key epoch {epoch}; this aggregation is for epoch {e}.");
        }
    }

    private void CheckFresh(int contributors)
    {
        if (_freshOnly && contributors != 1)
        {
            throw new InvalidDataException($"Ciphertext claims {contributors} contributors; this aggregation accepts only fresh encryptions (exactly 1).");
        }
    }

    private void CheckCapacity(int contributors)
    {
        if ((long)_sum!.Contributors + contributors > _p.MaxParticipants)
        {
            throw new InvalidOperationException($"Adding would sum {_sum.Contributors + contributors} contributions, above P_max = {_p.MaxParticipants}: the decoded sum could overflow.");
        }
    }
}
