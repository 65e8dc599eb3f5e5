using System.Diagnostics;
using Federated.Crypto.Rlwe;
using Federated.Federation.Encryption;
using Federated.Federation.V1;

namespace Federated.Coordinator.Encryption;

/// <summary>
/// One encrypted sum of a round (the updates, or the evaluation sums) and its collective decryption. Ciphertexts
/// are added as they arrive, under <see cref="Gate"/>, into a <see cref="CiphertextAccumulator"/>: memory is one
/// aggregate, whatever the number of contributors. The decryption bookkeeping is guarded by the run's lock.
/// </summary>
internal sealed class EncryptedAggregate(AggregatePurpose purpose, ulong round, uint attempt, ActiveKey key, HeParameters parameters)
{
    // freshOnly: every site uploads exactly one fresh encryption; a forged header count (claiming to be many
    // contributors) is refused instead of inflating the aggregate's count.
    private readonly CiphertextAccumulator _accumulator = new(parameters, EncryptionPlan.CiphertextRound(round, attempt, purpose == AggregatePurpose.Evaluation), key.Epoch, freshOnly: true);
    private readonly List<string> _contributors = [];
    private bool _open = true;

    public AggregatePurpose Purpose { get; } = purpose;
    public ulong Round { get; } = round;
    public uint Attempt { get; } = attempt;
    public ActiveKey Key { get; } = key;
    public ulong CiphertextRound { get; } = EncryptionPlan.CiphertextRound(round, attempt, purpose == AggregatePurpose.Evaluation);
    public Lock Gate { get; } = new();
    /// <summary>Time spent adding ciphertexts, milliseconds.</summary>
    public double AddMilliseconds { get; private set; }
    public long BytesReceived { get; private set; }

    // ---- decryption state (run lock) ----
    public byte[]? Bytes { get; private set; }
    public byte[]? Sha256 { get; private set; }
    public DecryptStep Step { get; set; } = DecryptStep.Unspecified;
    public List<string> Contributors { get; private set; } = [];
    public HashSet<string> Asked { get; } = new(StringComparer.Ordinal);
    public List<string> Ready { get; } = [];
    public Dictionary<string, string> Refusals { get; } = new(StringComparer.Ordinal);
    public int[]? ActiveSet { get; set; }
    public string[]? ActiveSites { get; set; }
    public Dictionary<string, byte[]> Shares { get; } = new(StringComparer.Ordinal);
    public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Adds a ciphertext of <paramref name="site"/>; false when the site already contributed. Throws on a bad ciphertext or a closed sum.</summary>
    public bool Add(string site, ReadOnlySpan<byte> ciphertext)
    {
        lock (Gate)
        {
            if (!_open)
            {
                throw new InvalidOperationException("closed");
            }
            if (_contributors.Contains(site, StringComparer.Ordinal))
            {
                return false;
            }
            long start = Stopwatch.GetTimestamp();
            _accumulator.Add(ciphertext);
            AddMilliseconds += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            BytesReceived += ciphertext.Length;
            _contributors.Add(site);
            return true;
        }
    }

    /// <summary>Stops accepting ciphertexts and serializes the sum (null when nothing arrived).</summary>
    public void Close()
    {
        lock (Gate)
        {
            if (!_open)
            {
                return;
            }
            _open = false;
            Contributors = [.. _contributors.Order(StringComparer.Ordinal)];
            if (_accumulator.Contributors > 0)
            {
                Bytes = _accumulator.ToBytes();
                Sha256 = System.Security.Cryptography.SHA256.HashData(Bytes);
            }
        }
    }

    public int ChunkCount => _accumulator.Aggregate?.ChunkCount ?? 0;

    /// <summary>Wakes whoever waits for decryption progress.</summary>
    public void Pulse()
    {
        var previous = Changed;
        Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}

/// <summary>Encryption state of one round attempt.</summary>
internal sealed class EncryptedRoundState(ActiveKey key, EncryptionPlan plan, HeParameters parameters, ulong round, uint attempt)
{
    public ActiveKey Key { get; } = key;
    public EncryptionPlan Plan { get; } = plan;
    public EncryptionSpec Spec { get; } = plan.ToWire(key.Epoch);
    public EncryptedAggregate Update { get; } = new(AggregatePurpose.Update, round, attempt, key, parameters);
    public EncryptedAggregate Evaluation { get; } = new(AggregatePurpose.Evaluation, round, attempt, key, parameters);
    public double CeremonySeconds { get; set; }
    public string? CeremonyReason { get; set; }
    public double UpdateDecryptMilliseconds { get; set; }
    public double EvaluationDecryptMilliseconds { get; set; }
    public double DecodeMilliseconds { get; set; }
    public double TrainLoss { get; set; } = double.NaN;
    public Core.Federation.EvaluationSums? Validation { get; set; }
    public double MeanErrorBound { get; set; } = double.NaN;
}

/// <summary>What report.json records about a round's encryption.</summary>
internal sealed record EncryptionRoundMetrics(
    uint KeyEpoch,
    string ParameterSet,
    int Threshold,
    int KeyParties,
    bool KeyCeremonyRan,
    string? KeyCeremonyReason,
    double KeyCeremonySeconds,
    long CiphertextBytesUploaded,
    double AggregateMilliseconds,
    double DecryptMilliseconds,
    double EvaluationDecryptMilliseconds,
    long DecryptionsUsed,
    long DecryptionBudget,
    IReadOnlyList<string> DecryptionParties,
    double? MeanErrorBound);
