using System.Globalization;

namespace Federated.Core.Fairness;

/// <summary>One cohort column and the consortium's published vocabulary for it.</summary>
/// <param name="Name">Column name, e.g. "building_age".</param>
/// <param name="Values">The values the consortium reports on; any other local value (and a missing one) counts as <see cref="CohortLayout.Other"/>.</param>
public sealed record CohortColumn(string Name, IReadOnlyList<string> Values);

/// <summary>One cohort group of the layout: a dimension ("building_age", "income_tier×building_age", "all") and a value.</summary>
/// <param name="Dimension">The column, the columns joined by "×", or "all".</param>
/// <param name="Value">The value, the values joined by "×", or "all".</param>
/// <param name="Columns">Columns of the dimension (empty for "all").</param>
public sealed record CohortGroup(string Dimension, string Value, IReadOnlyList<string> Columns);

/// <summary>
/// The fixed layout of the per-cohort fairness statistics every site appends to its evaluation vector. It follows
/// from public, consortium-wide settings only (the coordinator's vocabulary, combinations, histogram edges and comfort
/// band), never from what a site holds, so every site's vector has the same length and entries sum element-wise.
/// </summary>
/// <remarks>
/// Groups, in order: "all"; for each column its values then <see cref="Other"/>; for each combination the cross
/// product of its columns' values (each extended by <see cref="Other"/>), first column slowest. Each group holds
/// <see cref="EntriesPerGroup"/> additive entries: see <see cref="Entry"/>.
/// </remarks>
public sealed class CohortLayout
{
    /// <summary>The value every local value outside the vocabulary, and a missing (empty) value, is reported as.</summary>
    public const string Other = "other";

    /// <summary>Dimension and value of the group over every row.</summary>
    public const string All = "all";

    /// <summary>Separator of combined dimension names and values.</summary>
    public const string CombinationSeparator = "×";

    /// <summary>Largest number of groups a layout may have (keeps the encrypted vector small).</summary>
    public const int MaxGroups = 4096;

    private readonly Dictionary<string, int> _columnIndex = new(StringComparer.Ordinal);

    public CohortLayout(IReadOnlyList<CohortColumn> columns, IReadOnlyList<IReadOnlyList<string>> combinations, IReadOnlyList<double> absoluteErrorEdges, double comfortLowC, double comfortHighC)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(combinations);
        ArgumentNullException.ThrowIfNull(absoluteErrorEdges);
        if (columns.Count == 0)
        {
            throw new ArgumentException("A cohort layout needs at least one cohort column.", nameof(columns));
        }
        foreach (var c in columns)
        {
            if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Contains(CombinationSeparator, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Cohort column name \"{c.Name}\" is empty or contains \"{CombinationSeparator}\".", nameof(columns));
            }
            if (!_columnIndex.TryAdd(c.Name, _columnIndex.Count))
            {
                throw new ArgumentException($"Cohort column \"{c.Name}\" is listed twice.", nameof(columns));
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var v in c.Values)
            {
                if (string.IsNullOrWhiteSpace(v) || v.Trim() != v || string.Equals(v, Other, StringComparison.Ordinal) || v.Contains(CombinationSeparator, StringComparison.Ordinal) || !seen.Add(v))
                {
                    throw new ArgumentException($"Cohort column \"{c.Name}\": value \"{v}\" is empty, has surrounding spaces, is \"{Other}\", contains \"{CombinationSeparator}\" or is listed twice.", nameof(columns));
                }
            }
        }
        foreach (var combination in combinations)
        {
            if (combination.Count < 2 || combination.Distinct(StringComparer.Ordinal).Count() != combination.Count || combination.Any(n => !_columnIndex.ContainsKey(n)))
            {
                throw new ArgumentException($"Combination \"{string.Join(CombinationSeparator, combination)}\" must name at least two distinct configured cohort columns.", nameof(combinations));
            }
        }
        for (int i = 0; i < absoluteErrorEdges.Count; i++)
        {
            if (!(absoluteErrorEdges[i] > 0) || !double.IsFinite(absoluteErrorEdges[i]) || (i > 0 && !(absoluteErrorEdges[i] > absoluteErrorEdges[i - 1])))
            {
                throw new ArgumentException("Absolute-error bin edges must be positive, finite and strictly increasing.", nameof(absoluteErrorEdges));
            }
        }
        if (absoluteErrorEdges.Count == 0)
        {
            throw new ArgumentException("At least one absolute-error bin edge is needed.", nameof(absoluteErrorEdges));
        }
        if (!double.IsFinite(comfortLowC) || !double.IsFinite(comfortHighC) || !(comfortLowC < comfortHighC))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The comfort band [{comfortLowC}, {comfortHighC}] °C must be finite with low < high."), nameof(comfortLowC));
        }
        Columns = columns;
        Combinations = combinations;
        AbsoluteErrorEdges = absoluteErrorEdges.ToArray();
        ComfortLowC = comfortLowC;
        ComfortHighC = comfortHighC;

        var groups = new List<CohortGroup> { new(All, All, []) };
        foreach (var c in columns)
        {
            groups.AddRange(c.Values.Append(Other).Select(v => new CohortGroup(c.Name, v, [c.Name])));
        }
        foreach (var combination in combinations)
        {
            IEnumerable<string[]> cells = [[]];
            foreach (var name in combination)
            {
                var values = columns[_columnIndex[name]].Values.Append(Other).ToArray();
                cells = cells.SelectMany(prefix => values.Select(v => prefix.Append(v).ToArray())).ToArray();
                if (cells.Count() > MaxGroups)
                {
                    break;
                }
            }
            groups.AddRange(cells.Select(cell => new CohortGroup(string.Join(CombinationSeparator, combination), string.Join(CombinationSeparator, cell), combination.ToArray())));
            if (groups.Count > MaxGroups)
            {
                throw new ArgumentException($"The cohort layout would have more than {MaxGroups} groups; use fewer values or combinations.", nameof(combinations));
            }
        }
        Groups = groups;
    }

    public IReadOnlyList<CohortColumn> Columns { get; }
    public IReadOnlyList<IReadOnlyList<string>> Combinations { get; }

    /// <summary>Upper edges (K) of the absolute-error histogram; one more bin collects |e| ≥ the last edge.</summary>
    public IReadOnlyList<double> AbsoluteErrorEdges { get; }

    /// <summary>Comfort band (°C): a forecast or an observation outside [low, high] is a comfort violation.</summary>
    public double ComfortLowC { get; }
    public double ComfortHighC { get; }

    public IReadOnlyList<CohortGroup> Groups { get; }

    public int HistogramBins => AbsoluteErrorEdges.Count + 1;

    /// <summary>Entries per group: count, Σe, Σe², Σ|e|, histogram bins, interval count and hits, TP, FP, TN, FN, sites.</summary>
    public int EntriesPerGroup => 4 + HistogramBins + 2 + 4 + 1;

    /// <summary>Length of the statistics vector.</summary>
    public int Length => Groups.Count * EntriesPerGroup;

    /// <summary>Position of <paramref name="entry"/> of group <paramref name="group"/>.</summary>
    public int Index(int group, Entry entry, int bin = 0) => (group * EntriesPerGroup) + entry switch
    {
        Entry.Count => 0,
        Entry.SumError => 1,
        Entry.SumSquaredError => 2,
        Entry.SumAbsoluteError => 3,
        Entry.Histogram => 4 + bin,
        Entry.IntervalCount => 4 + HistogramBins,
        Entry.IntervalHits => 5 + HistogramBins,
        Entry.TruePositives => 6 + HistogramBins,
        Entry.FalsePositives => 7 + HistogramBins,
        Entry.TrueNegatives => 8 + HistogramBins,
        Entry.FalseNegatives => 9 + HistogramBins,
        Entry.Sites => 10 + HistogramBins,
        _ => throw new ArgumentOutOfRangeException(nameof(entry)),
    };

    /// <summary>The histogram bin of an absolute error.</summary>
    public int BinOf(double absoluteError)
    {
        for (int i = 0; i < AbsoluteErrorEdges.Count; i++)
        {
            if (absoluteError < AbsoluteErrorEdges[i])
            {
                return i;
            }
        }
        return AbsoluteErrorEdges.Count;
    }

    /// <summary>
    /// The local value as reported: itself when it is in the column's vocabulary (ordinal comparison after trimming),
    /// otherwise <see cref="Other"/> (unlisted, empty or missing).
    /// </summary>
    public string Resolve(string column, string? localValue)
    {
        var c = Columns[_columnIndex[column]];
        var v = localValue?.Trim() ?? "";
        return v.Length > 0 && c.Values.Contains(v, StringComparer.Ordinal) ? v : Other;
    }

    /// <summary>The groups a building with <paramref name="cohorts"/> belongs to: "all", one per column, one per combination.</summary>
    public int[] GroupsOf(IReadOnlyDictionary<string, string> cohorts)
    {
        ArgumentNullException.ThrowIfNull(cohorts);
        var result = new List<int> { 0 };
        int offset = 1;
        var resolved = Columns.Select(c => Resolve(c.Name, cohorts.TryGetValue(c.Name, out var v) ? v : null)).ToArray();
        foreach (var (c, i) in Columns.Select((c, i) => (c, i)))
        {
            int slot = resolved[i] == Other ? c.Values.Count : IndexOfValue(c.Values, resolved[i]);
            result.Add(offset + slot);
            offset += c.Values.Count + 1;
        }
        foreach (var combination in Combinations)
        {
            int cell = 0, size = 1;
            foreach (var name in combination)
            {
                int ci = _columnIndex[name];
                int width = Columns[ci].Values.Count + 1;
                int slot = resolved[ci] == Other ? width - 1 : IndexOfValue(Columns[ci].Values, resolved[ci]);
                cell = (cell * width) + slot;
                size *= width;
            }
            result.Add(offset + cell);
            offset += size;
        }
        return result.ToArray();
    }

    private static int IndexOfValue(IReadOnlyList<string> values, string value)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (string.Equals(values[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The entries of one group.</summary>
    public enum Entry
    {
        Count,
        SumError,
        SumSquaredError,
        SumAbsoluteError,
        Histogram,
        IntervalCount,
        IntervalHits,
        TruePositives,
        FalsePositives,
        TrueNegatives,
        FalseNegatives,
        Sites,
    }
}
