using System.Globalization;
using Federated.Core.Fairness;
using Federated.Federation.V1;

namespace Federated.Federation.Fairness;

/// <summary>Conversions between <see cref="FairnessSpec"/> and <see cref="CohortLayout"/>.</summary>
public static class FairnessWire
{
    /// <summary>The layout version this code writes and reads.</summary>
    public const string Version = "cohort-stats-v1";

    public static FairnessSpec ToWire(this CohortLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var spec = new FairnessSpec
        {
            Version = Version,
            ComfortLowC = layout.ComfortLowC,
            ComfortHighC = layout.ComfortHighC,
            Entries = checked((uint)layout.Length),
        };
        foreach (var c in layout.Columns)
        {
            var v = new CohortVocabulary { Name = c.Name };
            v.Values.Add(c.Values);
            spec.Columns.Add(v);
        }
        foreach (var combination in layout.Combinations)
        {
            var c = new CohortCombination();
            c.Columns.Add(combination);
            spec.Combinations.Add(c);
        }
        spec.AbsErrorEdges.Add(layout.AbsoluteErrorEdges);
        return spec;
    }

    /// <summary>Rebuilds and checks a layout received from the coordinator; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static CohortLayout ToLayout(this FairnessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!string.Equals(spec.Version, Version, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"fairness.version \"{spec.Version}\" is not supported; expected {Version}.");
        }
        CohortLayout layout;
        try
        {
            layout = new CohortLayout(
                spec.Columns.Select(c => new CohortColumn(c.Name, c.Values.ToArray())).ToArray(),
                spec.Combinations.Select(c => (IReadOnlyList<string>)c.Columns.ToArray()).ToArray(),
                spec.AbsErrorEdges.ToArray(), spec.ComfortLowC, spec.ComfortHighC);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException("fairness: " + ex.Message, ex);
        }
        if (layout.Length != spec.Entries)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"fairness.entries: the spec says {spec.Entries}, its layout has {layout.Length}."));
        }
        return layout;
    }
}
