using Federated.Core.Twin;

namespace Federated.Core.Fairness;

/// <summary>
/// A local trainer that can hand over the forecasts behind its evaluation, so a participant can compute per-cohort
/// fairness statistics from exactly the rows its evaluation sums count. Trainers without it contribute zeros.
/// </summary>
public interface IForecastEvaluator
{
    /// <summary>
    /// Does what <see cref="Federation.ILocalTrainer.EvaluateAsync"/> does with <paramref name="globalShared"/> and returns
    /// the forecast of the test period; <c>forecast.Errors()</c> equals the evaluation sums.
    /// </summary>
    Task<SiteForecast> ForecastTestAsync(ReadOnlyMemory<float> globalShared, CancellationToken cancellationToken);
}
