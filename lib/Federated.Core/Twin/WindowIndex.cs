using Federated.Core.Data;

namespace Federated.Core.Twin;

/// <summary>
/// Every place a rollout window of <c>horizon</c> hours fits inside a gap-free segment: the start row plus the
/// <c>horizon</c> rows that follow it. Windows never cross a gap; shorter segments contribute none.
/// </summary>
public sealed class WindowIndex
{
    private readonly List<(int Building, int Segment, int Start)> _windows = [];

    public WindowIndex(SiteDataset dataset, int horizon)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        Horizon = horizon;
        for (int b = 0; b < dataset.Buildings.Count; b++)
        {
            var segments = dataset.Buildings[b].Segments;
            for (int s = 0; s < segments.Count; s++)
            {
                for (int start = 0; start + horizon < segments[s].Length; start++)
                {
                    _windows.Add((b, s, start));
                }
            }
        }
    }

    public SiteDataset Dataset { get; }
    public int Horizon { get; }
    public int Count => _windows.Count;
    public (int Building, int Segment, int Start) this[int index] => _windows[index];
}
