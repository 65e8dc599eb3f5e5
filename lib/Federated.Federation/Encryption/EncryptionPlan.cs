using System.Globalization;
using Federated.Crypto.Rlwe;
using Federated.Federation.V1;

namespace Federated.Federation.Encryption;

/// <summary>
/// The public encoding of one encrypted run, validated: parameter set, fixed-point bits, digits per value, sample
/// cap and clip. Built by the coordinator from its options, sent in every <see cref="EncryptionSpec"/>, and rebuilt
/// (and checked) by each participant, so both sides encode and decode identically.
/// </summary>
public sealed record EncryptionPlan
{
    /// <summary>Fractional bits of the statistics vector (train-loss sums, evaluation sums).</summary>
    public const int DefaultStatisticsFractionalBits = 24;

    private EncryptionPlan(HeParameters parameters, int fractionalBits, int limbs, int limbBits, long sampleCap, double clip, int statisticsFractionalBits, int statisticsLimbs)
    {
        Parameters = parameters;
        FractionalBits = fractionalBits;
        Limbs = limbs;
        LimbBits = limbBits;
        SampleCap = sampleCap;
        Clip = clip;
        StatisticsFractionalBits = statisticsFractionalBits;
        StatisticsLimbs = statisticsLimbs;
    }

    public HeParameters Parameters { get; }

    /// <summary>F: a weighted delta x travels as round(x·2^F).</summary>
    public int FractionalBits { get; }

    /// <summary>L: digits per update value.</summary>
    public int Limbs { get; }

    /// <summary>B: bits per digit.</summary>
    public int LimbBits { get; }

    /// <summary>n_cap: weights are min(n, n_cap); the encoded value is (w / n_cap)·clip(Δ).</summary>
    public long SampleCap { get; }

    /// <summary>Each delta element is clipped to ±Clip.</summary>
    public double Clip { get; }

    public int StatisticsFractionalBits { get; }

    public int StatisticsLimbs { get; }

    /// <summary>
    /// A plan for <paramref name="parameters"/>: the digit count follows from F and the clip (sign + ⌈log2 clip⌉ + F
    /// bits); statistics get F_s = 24 and enough digits for 64-bit integers.
    /// </summary>
    public static EncryptionPlan Create(HeParameters parameters, int fractionalBits, double clip, long sampleCap)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (fractionalBits is < 0 or > 60)
        {
            throw new ArgumentOutOfRangeException(nameof(fractionalBits), fractionalBits, "Fractional bits must be in [0, 60].");
        }
        if (!(clip > 0) || !double.IsFinite(clip) || clip > Math.ScaleB(1, 40))
        {
            throw new ArgumentOutOfRangeException(nameof(clip), clip, "The clip must be a positive number of at most 2^40.");
        }
        if (sampleCap < 1 || sampleCap > parameters.MaxEncodedMagnitude)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleCap), sampleCap, $"The sample cap must be in [1, {parameters.MaxEncodedMagnitude}] (it travels in the companion slot).");
        }
        int limbBits = FixedPointLimbs.LimbBits(parameters);
        int bits = 1 + (int)Math.Ceiling(Math.Log2(clip) + 1e-12) + fractionalBits;
        int limbs = FixedPointLimbs.LimbsFor(Math.Max(bits, 2), limbBits);
        if (limbs * limbBits > 120)
        {
            throw new ArgumentOutOfRangeException(nameof(fractionalBits), fractionalBits, "The clip and fractional bits need more than 120 bits per value.");
        }
        int statLimbs = FixedPointLimbs.LimbsFor(64, limbBits);
        return new EncryptionPlan(parameters, fractionalBits, limbs, limbBits, sampleCap, clip, DefaultStatisticsFractionalBits, statLimbs);
    }

    /// <summary>Rebuilds and checks a plan received from the coordinator.</summary>
    public static EncryptionPlan FromWire(EncryptionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!string.Equals(spec.Encoding, UpdateEncodings.RlweV1, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"encryption.encoding \"{spec.Encoding}\" is not supported; expected {UpdateEncodings.RlweV1}.");
        }
        var parameters = HeParameters.FromId(checked((ushort)spec.ParameterSetId));
        var plan = Create(parameters, checked((int)spec.FractionalBits), spec.Clip, checked((long)spec.SampleCap));
        if (plan.Limbs != spec.Limbs || plan.LimbBits != spec.LimbBits || plan.StatisticsLimbs != spec.StatisticsLimbs || plan.StatisticsFractionalBits != spec.StatisticsFractionalBits)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"encryption: limbs {spec.Limbs}x{spec.LimbBits} bits / statistics {spec.StatisticsLimbs} at 2^-{spec.StatisticsFractionalBits} do not follow from the parameters (expected {plan.Limbs}x{plan.LimbBits} / {plan.StatisticsLimbs} at 2^-{plan.StatisticsFractionalBits})"));
        }
        return plan;
    }

    /// <summary>The wire form for key epoch <paramref name="epoch"/>.</summary>
    public EncryptionSpec ToWire(uint epoch) => new()
    {
        Encoding = UpdateEncodings.RlweV1,
        ParameterSetId = Parameters.Id,
        KeyEpoch = epoch,
        FractionalBits = (uint)FractionalBits,
        Limbs = (uint)Limbs,
        LimbBits = (uint)LimbBits,
        SampleCap = (ulong)SampleCap,
        Clip = Clip,
        StatisticsFractionalBits = (uint)StatisticsFractionalBits,
        StatisticsLimbs = (uint)StatisticsLimbs,
    };

    /// <summary>Slots of an update of <paramref name="length"/> values: L per value, then two train-loss statistics.</summary>
    public int UpdateSlots(int length) => checked((length * Limbs) + (UpdateStatistics * StatisticsLimbs));

    /// <summary>
    /// Statistics appended to an update: Σ w·loss and Σ w over sites with a finite loss, then Σ (w/n_cap)·h, the
    /// q-FFL term (zero unless the run aggregates with q-FFL).
    /// </summary>
    public const int UpdateStatistics = 3;

    /// <summary>Ciphertext chunks (decryptions) one update aggregate costs.</summary>
    public int UpdateChunks(int length) => Parameters.ChunkCount(UpdateSlots(length));

    /// <summary>Ciphertext chunks one statistics aggregate of <paramref name="entries"/> costs.</summary>
    public int StatisticsChunks(int entries) => Parameters.ChunkCount(entries * StatisticsLimbs);

    /// <summary>Bytes of an encrypted update of <paramref name="length"/> values.</summary>
    public int UpdateCiphertextBytes(int length) => EncryptedVector.GetSerializedSize(Parameters, UpdateSlots(length));

    /// <summary>
    /// The round identifier inside a ciphertext: round·65536 + attempt·2 + purpose bit. Distinct for every round,
    /// attempt and purpose, so a re-run encrypts afresh and an update aggregate can never pass for an evaluation one.
    /// </summary>
    public static ulong CiphertextRound(ulong round, uint attempt, bool evaluation)
    {
        if (round == 0 || round >= 1UL << 47 || attempt == 0 || attempt >= 1U << 15)
        {
            throw new ArgumentOutOfRangeException(nameof(round), "Round must be in [1, 2^47) and attempt in [1, 2^15).");
        }
        return (round << 16) | ((ulong)attempt << 1) | (evaluation ? 1UL : 0UL);
    }

    /// <summary>The worst-case difference between the decrypted weighted mean and the exact one, per element.</summary>
    public double MeanErrorBound(int parties, long totalWeight) =>
        parties * Math.ScaleB(1, -(FractionalBits + 1)) * SampleCap / Math.Max(1, totalWeight);
}
