using Federated.Core.Data;
using Federated.Core.Federation;

namespace Federated.Core.Twin;

/// <summary>
/// One forecast per observed row: the temperature predicted for that hour by rolling the twin forward
/// <c>lead</c> hours from the observation <c>lead</c> hours earlier in the same gap-free segment (NaN for the first
/// <c>lead</c> rows of a segment, which have no such origin).
/// </summary>
public sealed class SiteForecast
{
    /// <param name="predicted">Per building, per segment, one value per row.</param>
    public SiteForecast(SiteDataset dataset, int lead, IReadOnlyList<IReadOnlyList<float[]>> predicted)
    {
        Dataset = dataset;
        Lead = lead;
        Predicted = predicted;
    }

    public SiteDataset Dataset { get; }
    public int Lead { get; }
    public IReadOnlyList<IReadOnlyList<float[]>> Predicted { get; }

    /// <summary>The same rows forecast by persistence: the temperature observed <c>lead</c> hours earlier.</summary>
    public static SiteForecast Persistence(SiteDataset dataset, int lead)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var predicted = dataset.Buildings.Select(b => (IReadOnlyList<float[]>)b.Segments.Select(s =>
        {
            var values = new float[s.Length];
            for (int t = 0; t < s.Length; t++)
            {
                values[t] = t >= lead ? s.IndoorTempC[t - lead] : float.NaN;
            }
            return values;
        }).ToList()).ToList();
        return new SiteForecast(dataset, lead, predicted);
    }

    /// <summary>Error sums of every row that has a forecast, optionally only for buildings matching <paramref name="filter"/>.</summary>
    public EvaluationSums Errors(Func<BuildingSeries, bool>? filter = null)
    {
        long count = 0;
        double squared = 0, absolute = 0, signed = 0;
        for (int b = 0; b < Dataset.Buildings.Count; b++)
        {
            if (filter is not null && !filter(Dataset.Buildings[b])) continue;
            for (int s = 0; s < Dataset.Buildings[b].Segments.Count; s++)
            {
                float[] observed = Dataset.Buildings[b].Segments[s].IndoorTempC, predicted = Predicted[b][s];
                for (int t = 0; t < observed.Length; t++)
                {
                    if (float.IsNaN(predicted[t])) continue;
                    double error = (double)predicted[t] - observed[t];
                    count++;
                    squared += error * error;
                    absolute += Math.Abs(error);
                    signed += error;
                }
            }
        }
        return new EvaluationSums(count, squared, absolute, signed);
    }
}
