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
        private static readonly long Start = new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 3600;
        private static readonly string[] Outdoor = Table(97, i => -5f + i * 0.173f);
        private static readonly string[] Solar = Table(24, h => h is >= 8 and <= 16 ? 50f + 61.7f * (h - 7) : 0f);
        private static readonly string[] Hvac = Table(41, i => -2f + i * 0.31f);
        private static readonly string[] Indoor = Table(89, i => 16f + i * 0.0713f);
        private static readonly string[] Cohorts = ["pre1950,low", "1950to1990,middle", "post1990,high"];
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
            // Value strings come from small tables so the test measures the reader, not number formatting.
            return string.Concat(
                [_timestamp, ",", _ids[building], ",", Outdoor[(hour + building) % Outdoor.Length], ",", Solar[hour % 24], ",",
                 Hvac[building % Hvac.Length], ",", Indoor[(hour * 7 + building) % Indoor.Length], ",", Cohorts[building % 3]]);
        }

        public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ReadLine());

        public override Task<string?> ReadLineAsync() => Task.FromResult(ReadLine());

        private static string[] Table(int count, Func<int, float> value) =>
            [.. Enumerable.Range(0, count).Select(i => value(i).ToString("R", CultureInfo.InvariantCulture))];
    }
}
