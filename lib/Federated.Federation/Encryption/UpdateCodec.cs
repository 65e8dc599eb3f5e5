using Federated.Crypto.Rlwe;

namespace Federated.Federation.Encryption;

/// <summary>What the coordinator learns from a decrypted update aggregate: only sums.</summary>
/// <param name="MeanDelta">Σ wᵢ·clip(Δᵢ) / Σ wᵢ, per element.</param>
/// <param name="TotalWeight">Σ wᵢ with wᵢ = min(nᵢ, n_cap).</param>
/// <param name="TrainLoss">Σ wᵢ·lossᵢ / Σ wᵢ over sites with a finite loss; NaN when none.</param>
/// <param name="Contributors">Ciphertexts in the sum.</param>
public sealed record DecodedUpdate(double[] MeanDelta, long TotalWeight, double TrainLoss, int Contributors)
{
    /// <summary>Σ wᵢ·hᵢ / Σ wᵢ, the weighted mean of the q-FFL term h (0 in runs without q-FFL).</summary>
    public double MeanQfflH { get; init; }
}

/// <summary>
/// Lays out the plaintext of encrypted updates and statistics vectors and reads their decrypted sums back.
/// Update slots: for each element j the L digits of round((w/n_cap)·clip(Δ_j)·2^F), then the digits of w·loss and
/// of w (statistics precision; zero when the loss is not finite); companion = w. Statistics slots: the digits of
/// each entry at 2^-F_s; companion = 1 (the number of reporting sites).
/// </summary>
public static class UpdateCodec
{
    /// <summary>The encryptor input for an update (digits as values·2^-f); the companion is the weight.</summary>
    /// <param name="qfflH">The q-FFL term h of this site (0 without q-FFL); travels as (w/n_cap)·h.</param>
    public static (double[] Slots, long Weight) EncodeUpdate(EncryptionPlan plan, ReadOnlySpan<float> delta, long sampleCount, double trainLoss, double qfflH = 0)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleCount);
        int f = plan.Parameters.FractionalBits;
        long weight = Math.Min(sampleCount, plan.SampleCap);
        double scale = (double)weight / plan.SampleCap;
        var slots = new double[plan.UpdateSlots(delta.Length)];
        for (int j = 0; j < delta.Length; j++)
        {
            double x = Math.Clamp((double)delta[j], -plan.Clip, plan.Clip) * scale;
            FixedPointLimbs.Split(FixedPointLimbs.Quantize(x, plan.FractionalBits), plan.Limbs, plan.LimbBits, f, slots.AsSpan(j * plan.Limbs, plan.Limbs));
        }
        bool finite = double.IsFinite(trainLoss);
        var stats = slots.AsSpan(delta.Length * plan.Limbs);
        SplitStatistic(plan, finite ? weight * trainLoss : 0, stats[..plan.StatisticsLimbs]);
        SplitStatistic(plan, finite ? weight : 0, stats.Slice(plan.StatisticsLimbs, plan.StatisticsLimbs));
        SplitStatistic(plan, double.IsFinite(qfflH) ? scale * qfflH : 0, stats.Slice(2 * plan.StatisticsLimbs, plan.StatisticsLimbs));
        return (slots, weight);
    }

    /// <summary>Reads a decrypted update sum of a <paramref name="length"/>-value layout.</summary>
    public static DecodedUpdate DecodeUpdate(EncryptionPlan plan, DecodedVector sum, int length)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(sum);
        if (sum.RawSums.Count != plan.UpdateSlots(length))
        {
            throw new InvalidDataException($"The update aggregate holds {sum.RawSums.Count} slots; {plan.UpdateSlots(length)} expected for {length} values.");
        }
        long totalWeight = sum.Companion;
        if (totalWeight <= 0)
        {
            throw new InvalidDataException($"The update aggregate's total weight is {totalWeight}.");
        }
        var raw = sum.RawSums.ToArray();
        var mean = new double[length];
        double factor = (double)plan.SampleCap / totalWeight;
        for (int j = 0; j < length; j++)
        {
            var total = FixedPointLimbs.Combine(raw.AsSpan(j * plan.Limbs, plan.Limbs), plan.LimbBits);
            mean[j] = FixedPointLimbs.Dequantize(total, plan.FractionalBits) * factor;
        }
        var stats = ReadStatistics(plan, raw.AsSpan(length * plan.Limbs), EncryptionPlan.UpdateStatistics);
        double loss = stats[1] > 0 ? stats[0] / stats[1] : double.NaN;
        return new DecodedUpdate(mean, totalWeight, loss, sum.Contributors) { MeanQfflH = stats[2] * factor };
    }

    /// <summary>The encryptor input for a statistics vector.</summary>
    public static double[] EncodeStatistics(EncryptionPlan plan, AdditiveStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(statistics);
        var slots = new double[statistics.Count * plan.StatisticsLimbs];
        for (int i = 0; i < statistics.Count; i++)
        {
            SplitStatistic(plan, statistics.Values[i], slots.AsSpan(i * plan.StatisticsLimbs, plan.StatisticsLimbs));
        }
        return slots;
    }

    /// <summary>Reads a decrypted statistics sum; the companion counts the reporting sites.</summary>
    public static (AdditiveStatistics Sums, long Sites) DecodeStatistics(EncryptionPlan plan, DecodedVector sum)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(sum);
        if (sum.RawSums.Count % plan.StatisticsLimbs != 0)
        {
            throw new InvalidDataException($"A statistics aggregate of {sum.RawSums.Count} slots is not a whole number of {plan.StatisticsLimbs}-digit entries.");
        }
        var raw = sum.RawSums.ToArray();
        return (new AdditiveStatistics(ReadStatistics(plan, raw, raw.Length / plan.StatisticsLimbs)), sum.Companion);
    }

    private static void SplitStatistic(EncryptionPlan plan, double value, Span<double> destination)
    {
        var v = FixedPointLimbs.Quantize(value, plan.StatisticsFractionalBits);
        if (Int128.Abs(v) > long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"A statistic must stay below 2^{63 - plan.StatisticsFractionalBits} in magnitude.");
        }
        FixedPointLimbs.Split(v, plan.StatisticsLimbs, plan.LimbBits, plan.Parameters.FractionalBits, destination);
    }

    private static double[] ReadStatistics(EncryptionPlan plan, ReadOnlySpan<long> raw, int entries)
    {
        var values = new double[entries];
        for (int i = 0; i < entries; i++)
        {
            var total = FixedPointLimbs.Combine(raw.Slice(i * plan.StatisticsLimbs, plan.StatisticsLimbs), plan.LimbBits);
            values[i] = FixedPointLimbs.Dequantize(total, plan.StatisticsFractionalBits);
        }
        return values;
    }
}
