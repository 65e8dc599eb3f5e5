using Federated.Core.Federation;

namespace Federated.Federation.Encryption;

/// <summary>
/// A vector of additive statistics: values that sites' contributions sum to (counts, sums of errors, later
/// per-cohort sums). It travels through the same encrypted sum as updates, so adding entries at the end (for example
/// fairness statistics per cohort) changes neither the protocol nor the coordinator: a decoder reads the entries it
/// knows by position and keeps the rest.
/// </summary>
public sealed class AdditiveStatistics
{
    /// <summary>Positions of the evaluation entries, version 1: count, Σe², Σ|e|, Σe.</summary>
    public const int EvaluationEntries = 4;

    private readonly double[] _values;

    public AdditiveStatistics(ReadOnlySpan<double> values)
    {
        _values = values.ToArray();
        foreach (var v in _values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("Statistics must be finite numbers.", nameof(values));
            }
        }
    }

    public IReadOnlyList<double> Values => _values;

    public int Count => _values.Length;

    /// <summary>The evaluation sums as a statistics vector, with <paramref name="extra"/> entries appended.</summary>
    public static AdditiveStatistics FromEvaluation(EvaluationSums sums, ReadOnlySpan<double> extra = default)
    {
        ArgumentNullException.ThrowIfNull(sums);
        var values = new double[EvaluationEntries + extra.Length];
        values[0] = sums.Count;
        values[1] = sums.SumSquaredError;
        values[2] = sums.SumAbsoluteError;
        values[3] = sums.SumError;
        extra.CopyTo(values.AsSpan(EvaluationEntries));
        return new AdditiveStatistics(values);
    }

    /// <summary>The first four entries read as evaluation sums (count rounded to an integer).</summary>
    public EvaluationSums ToEvaluation()
    {
        if (_values.Length < EvaluationEntries)
        {
            throw new InvalidDataException($"An evaluation statistics vector needs {EvaluationEntries} entries, this one has {_values.Length}.");
        }
        return new EvaluationSums((long)Math.Round(_values[0]), Math.Max(0, _values[1]), Math.Max(0, _values[2]), _values[3]);
    }
}
