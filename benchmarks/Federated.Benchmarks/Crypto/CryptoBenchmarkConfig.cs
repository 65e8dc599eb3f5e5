using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;

namespace Federated.Benchmarks.Crypto;

/// <summary>How many plaintext values one invocation of the benchmark processes (for the Values/s column).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ValuesPerOperationAttribute(int values) : Attribute
{
    public int Values { get; } = values;
}

/// <summary>Adds a "Values/s" column: values per operation divided by the measured mean.</summary>
public sealed class ValuesPerSecondColumn : IColumn
{
    public string Id => nameof(ValuesPerSecondColumn);

    public string ColumnName => "Values/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Plaintext values processed per second (values per operation / mean time)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var attr = (ValuesPerOperationAttribute?)Attribute.GetCustomAttribute(benchmarkCase.Descriptor.WorkloadMethod, typeof(ValuesPerOperationAttribute));
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (attr is null || stats is null)
        {
            return "-";
        }

        double perSecond = attr.Values / (stats.Mean * 1e-9);
        return $"{perSecond / 1e6:F2} M";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

public sealed class CryptoBenchmarkConfig : ManualConfig
{
    public CryptoBenchmarkConfig() => AddColumn(new ValuesPerSecondColumn());
}

/// <summary>Shared setup: a 3-party collective key for a built-in parameter set.</summary>
internal static class CryptoFixture
{
    public static HeParameters Resolve(string set) => set == "compact" ? HeParameters.Compact : HeParameters.LongLivedKeys;

    public static (PartyKeys[] Keys, PublicKey Key) Keys(HeParameters p, int parties = 3)
    {
        byte[] seed = CommonSeed.Derive(Enumerable.Range(0, parties).Select(_ => (ReadOnlyMemory<byte>)CommonSeed.NewContribution()));
        var keys = Enumerable.Range(1, parties).Select(i => PartyKeys.Generate(p, seed, i, parties, parties, 1)).ToArray();
        return (keys, CollectiveKeyGen.Aggregate(p, seed, keys.Select(k => k.CreatePublicKeyShare())));
    }

    public static double[] Values(int count)
    {
        var rng = new Random(1);
        return Enumerable.Range(0, count).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
    }
}
