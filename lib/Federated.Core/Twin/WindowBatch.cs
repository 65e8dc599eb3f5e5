using Federated.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>
/// Rollout windows packed as tensors. Row i starts from the observed temperature of its first hour and is driven
/// by the observed forcing of the next <c>Horizon</c> hours; <see cref="Target"/> holds the temperatures observed
/// at the end of each of those hours.
/// </summary>
public sealed class WindowBatch : IDisposable
{
    private WindowBatch(Tensor start, Tensor target, Tensor outdoor, Tensor solar, Tensor hvac, Tensor calendar, Tensor cohorts, Tensor buildings)
    {
        Start = start;
        Target = target;
        Outdoor = outdoor;
        Solar = solar;
        Hvac = hvac;
        Calendar = calendar;
        Cohorts = cohorts;
        Buildings = buildings;
    }

    /// <summary>[B] °C.</summary>
    public Tensor Start { get; }
    /// <summary>[B, H] °C.</summary>
    public Tensor Target { get; }
    /// <summary>[B, H] °C.</summary>
    public Tensor Outdoor { get; }
    /// <summary>[B, H] W/m².</summary>
    public Tensor Solar { get; }
    /// <summary>[B, H] kW.</summary>
    public Tensor Hvac { get; }
    /// <summary>[B, H, 5].</summary>
    public Tensor Calendar { get; }
    /// <summary>[B, buckets].</summary>
    public Tensor Cohorts { get; }
    /// <summary>[B] int64 index of each window's building in the twin's building table.</summary>
    public Tensor Buildings { get; }

    public long Size => Start.shape[0];

    /// <param name="buildingSlot">Maps a dataset building index to the twin's building table.</param>
    public static WindowBatch Create(WindowIndex index, ReadOnlySpan<int> windows, Func<int, long> buildingSlot, int cohortBuckets, Device device)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(buildingSlot);
        int b = windows.Length, h = index.Horizon;
        var start = new float[b];
        var target = new float[b * h];
        var outdoor = new float[b * h];
        var solar = new float[b * h];
        var hvac = new float[b * h];
        var calendar = new float[b * h * TwinFeatures.CalendarCount];
        var cohorts = new float[b * cohortBuckets];
        var buildings = new long[b];
        for (int i = 0; i < b; i++)
        {
            var (building, segmentIndex, first) = index[windows[i]];
            var series = index.Dataset.Buildings[building];
            HourlySegment segment = series.Segments[segmentIndex];
            start[i] = segment.IndoorTempC[first];
            segment.IndoorTempC.AsSpan(first + 1, h).CopyTo(target.AsSpan(i * h, h));
            segment.OutdoorTempC.AsSpan(first, h).CopyTo(outdoor.AsSpan(i * h, h));
            segment.SolarWm2.AsSpan(first, h).CopyTo(solar.AsSpan(i * h, h));
            segment.HvacKw.AsSpan(first, h).CopyTo(hvac.AsSpan(i * h, h));
            for (int k = 0; k < h; k++)
            {
                TwinFeatures.Calendar(segment.StartHour + first + k, calendar.AsSpan((i * h + k) * TwinFeatures.CalendarCount, TwinFeatures.CalendarCount));
            }
            TwinFeatures.Cohorts(series.Cohorts, cohorts.AsSpan(i * cohortBuckets, cohortBuckets));
            buildings[i] = buildingSlot(building);
        }
        return new WindowBatch(
            tensor(start, device: device),
            tensor(target, [b, h], device: device),
            tensor(outdoor, [b, h], device: device),
            tensor(solar, [b, h], device: device),
            tensor(hvac, [b, h], device: device),
            tensor(calendar, [b, h, TwinFeatures.CalendarCount], device: device),
            tensor(cohorts, [b, cohortBuckets], device: device),
            tensor(buildings, device: device));
    }

    public void Dispose()
    {
        foreach (var t in new[] { Start, Target, Outdoor, Solar, Hvac, Calendar, Cohorts, Buildings })
        {
            t.Dispose();
        }
    }
}
