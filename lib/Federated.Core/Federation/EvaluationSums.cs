namespace Federated.Core.Federation;

/// <summary>
/// Additive error statistics of a model on one site's test period. Kept as sums (never means) so that sites'
/// values add up to the consortium's, in plaintext or under additive encryption.
/// </summary>
public sealed record EvaluationSums(long Count, double SumSquaredError, double SumAbsoluteError, double SumError)
{
    public static EvaluationSums Empty { get; } = new(0, 0, 0, 0);

    public double Rmse => Count == 0 ? double.NaN : Math.Sqrt(SumSquaredError / Count);
    public double Mae => Count == 0 ? double.NaN : SumAbsoluteError / Count;
    public double Bias => Count == 0 ? double.NaN : SumError / Count;

    public static EvaluationSums operator +(EvaluationSums a, EvaluationSums b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Count + b.Count, a.SumSquaredError + b.SumSquaredError, a.SumAbsoluteError + b.SumAbsoluteError, a.SumError + b.SumError);
    }

    public EvaluationSums Add(EvaluationSums other) => this + other;
}
