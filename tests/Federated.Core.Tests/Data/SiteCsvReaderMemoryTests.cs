using System.Diagnostics;
using System.Globalization;
using Federated.Core.Data;
using Xunit.Abstractions;

namespace Federated.Core.Tests.Data;

[CollectionDefinition(nameof(MemoryMeasurementGroup), DisableParallelization = true)]
public sealed class MemoryMeasurementGroup;

[Collection(nameof(MemoryMeasurementGroup))]
public class SiteCsvReaderMemoryTests(ITestOutputHelper output)
{
    private const int Buildings = 1000;
    private const int Hours = 8760;
    private const long Limit = 400L * 1024 * 1024;

    [Fact]
    public async Task ReadAsync_YearOfThousandBuildings_StaysUnder400MB()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(10);
            }
        });
        var watch = Stopwatch.StartNew();

        SiteDataset data = await SiteCsvReader.ReadAsync(new GeneratedSiteReader(), "generated.csv", ["building_age", "income_tier"], CancellationToken.None);

        watch.Stop();
        await stop.CancelAsync();
        await sampler;
        long after = GC.GetTotalMemory(forceFullCollection: true);
        long retained = after - before;
        long peakGrowth = Math.Max(peak, after) - before;
        output.WriteLine($"{data.Rows:N0} rows read in {watch.Elapsed.TotalSeconds:F1} s; retained {retained / 1048576.0:F0} MB, sampled peak {peakGrowth / 1048576.0:F0} MB of managed heap growth");

        Assert.Equal((long)Buildings * Hours, data.Rows);
        Assert.All(data.Buildings, b => Assert.Single(b.Segments));
        Assert.InRange(retained, 0, Limit);
        Assert.InRange(peakGrowth, 0, Limit);
        GC.KeepAlive(data);
    }

    /// <summary>Produces a site CSV line by line, hour-major (every building each hour), without holding it.</summary>
    private sealed class GeneratedSiteReader : TextReader
    {
        private static readonly string[] Ages = ["pre1950", "1950to1990", "post1990"];
        private static readonly string[] Tiers = ["low", "middle", "high"];
        private static readonly long Start = new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 3600;
        private readonly string[] _ids = [.. Enumerable.Range(0, Buildings).Select(b => $"b{b:D4}")];
        private long _row = -1;
        private string _timestamp = string.Empty;

        public override string? ReadLine()
        {
            long row = _row++;
            if (row < 0)
            {
                return "timestamp,building_id,outdoor_temp_c,solar_w_m2,hvac_kw,indoor_temp_c,building_age,income_tier";
            }
            if (row >= (long)Buildings * Hours)
            {
                return null;
            }
            int hour = (int)(row / Buildings);
            int building = (int)(row % Buildings);
            if (building == 0)
            {
                _timestamp = DateTimeOffset.FromUnixTimeSeconds((Start + hour) * 3600).UtcDateTime.ToString("yyyy-MM-dd'T'HH':00:00Z'", CultureInfo.InvariantCulture);
            }
            float outdoor = 5f + (hour % 24) * 0.37f - building * 0.001f;
            float solar = hour % 24 is >= 8 and <= 16 ? 100f + building % 300 : 0f;
            float hvac = (building % 17) * 0.31f;
            float indoor = 18f + (hour + building) % 50 * 0.07f;
            return string.Create(CultureInfo.InvariantCulture,
                $"{_timestamp},{_ids[building]},{outdoor},{solar},{hvac},{indoor},{Ages[building % 3]},{Tiers[building % 3]}");
        }

        public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ReadLine());

        public override Task<string?> ReadLineAsync() => Task.FromResult(ReadLine());
    }
}
