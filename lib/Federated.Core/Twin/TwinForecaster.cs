using Federated.Core.Data;
using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>Runs a twin over a whole dataset, <see cref="TwinOptions.Horizon"/> hours ahead, in bounded batches.</summary>
public static class TwinForecaster
{
    private const int Chunk = 4096;

    public static SiteForecast Forecast(BuildingThermalTwin twin, SiteDataset dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(twin);
        ArgumentNullException.ThrowIfNull(dataset);
        int lead = twin.Options.Horizon;
        var index = new WindowIndex(dataset, lead);
        var predicted = dataset.Buildings.Select(b => (IReadOnlyList<float[]>)b.Segments.Select(s => Enumerable.Repeat(float.NaN, s.Length).ToArray()).ToList()).ToList();
        var slots = dataset.Buildings.Select(b => (long)twin.SlotOf(b.BuildingId)).ToArray();
        var chunk = new int[Math.Min(Chunk, Math.Max(index.Count, 1))];
        using var noGrad = no_grad();
        for (int first = 0; first < index.Count; first += chunk.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(chunk.Length, index.Count - first);
            for (int i = 0; i < n; i++) chunk[i] = first + i;
            using var scope = NewDisposeScope();
            using var batch = WindowBatch.Create(index, chunk.AsSpan(0, n), b => slots[b], twin.Options.CohortBuckets, twin.Device);
            var last = twin.Rollout(batch, out _)[.., -1].cpu().data<float>().ToArray();
            for (int i = 0; i < n; i++)
            {
                var (b, s, start) = index[first + i];
                predicted[b][s][start + lead] = last[i];
            }
        }
        return new SiteForecast(dataset, lead, predicted);
    }
}
