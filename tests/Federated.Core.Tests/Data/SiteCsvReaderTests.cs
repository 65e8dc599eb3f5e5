using Federated.Core.Data;

namespace Federated.Core.Tests.Data;

public class SiteCsvReaderTests
{
    private const string Header = "timestamp,building_id,outdoor_temp_c,solar_w_m2,hvac_kw,indoor_temp_c,building_age";
    private static readonly string[] Age = ["building_age"];

    private static Task<SiteDataset> Read(string csv, IReadOnlyList<string>? cohorts = null) =>
        SiteCsvReader.ReadAsync(new StringReader(csv), "site.csv", cohorts ?? Age, CancellationToken.None);

    private static string Csv(params string[] rows) => string.Join('\n', [Header, .. rows]) + "\n";

    public static TheoryData<string, string, string> BadInputs() => new()
    {
        {
            "missing required column",
            "timestamp,building_id,outdoor_temp_c,solar_w_m2,indoor_temp_c,building_age\n2010-01-01T00:00:00Z,b1,5,0,20,pre1950\n",
            "site.csv line 1, column 'hvac_kw': required column is missing from the header; the header has: timestamp, building_id, outdoor_temp_c, solar_w_m2, indoor_temp_c, building_age"
        },
        {
            "missing cohort column",
            "timestamp,building_id,outdoor_temp_c,solar_w_m2,hvac_kw,indoor_temp_c\n2010-01-01T00:00:00Z,b1,5,0,2,20\n",
            "site.csv line 1, column 'building_age': cohort column is missing from the header; the header has: timestamp, building_id, outdoor_temp_c, solar_w_m2, hvac_kw, indoor_temp_c"
        },
        {
            "duplicate header column",
            Header + ",hvac_kw\n",
            "site.csv line 1, column 'hvac_kw': the header names this column twice (fields 5 and 8)"
        },
        { "empty file", "", "site.csv line 1: the file is empty; expected a header row naming timestamp, building_id, outdoor_temp_c, solar_w_m2, hvac_kw, indoor_temp_c" },
        { "header only", Header + "\n", "site.csv line 2: the file has a header but no data rows" },
        { "too few fields", Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20"), "site.csv line 2, column 'building_age': expected 7 fields as in the header, found 6" },
        { "too many fields", Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950,x"), "site.csv line 2: expected 7 fields as in the header, found 8" },
        { "unparsable number", Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950", "2010-01-01T01:00:00Z,b1,5,0,2.5,abc,pre1950"), "site.csv line 3, column 'indoor_temp_c': 'abc' is not a number" },
        { "decimal comma", Csv("2010-01-01T00:00:00Z,b1,\"5,5\",0,2.5,20,pre1950"), "site.csv line 2, column 'outdoor_temp_c': '5,5' is not a number" },
        { "empty number", Csv("2010-01-01T00:00:00Z,b1,5,,2.5,20,pre1950"), "site.csv line 2, column 'solar_w_m2': the value is empty" },
        { "NaN", Csv("2010-01-01T00:00:00Z,b1,NaN,0,2.5,20,pre1950"), "site.csv line 2, column 'outdoor_temp_c': 'NaN' is not a finite number" },
        { "infinity", Csv("2010-01-01T00:00:00Z,b1,5,0,-Infinity,20,pre1950"), "site.csv line 2, column 'hvac_kw': '-Infinity' is not a finite number" },
        { "overflow to infinity", Csv("2010-01-01T00:00:00Z,b1,5,0,1e50,20,pre1950"), "site.csv line 2, column 'hvac_kw': '1e50' is not a finite number" },
        { "outdoor out of range", Csv("2010-01-01T00:00:00Z,b1,61,0,2.5,20,pre1950"), "site.csv line 2, column 'outdoor_temp_c': '61' is outside the physical range -60..60 °C" },
        { "indoor out of range", Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,-20.5,pre1950"), "site.csv line 2, column 'indoor_temp_c': '-20.5' is outside the physical range -20..50 °C" },
        { "solar out of range", Csv("2010-01-01T00:00:00Z,b1,5,-1,2.5,20,pre1950"), "site.csv line 2, column 'solar_w_m2': '-1' is outside the physical range 0..1500 W/m²" },
        { "hvac out of range", Csv("2010-01-01T00:00:00Z,b1,5,0,10001,20,pre1950"), "site.csv line 2, column 'hvac_kw': '10001' is outside the physical range -10000..10000 kW" },
        { "not a timestamp", Csv("yesterday,b1,5,0,2.5,20,pre1950"), "site.csv line 2, column 'timestamp': 'yesterday' is not an ISO 8601 UTC timestamp like 2010-01-01T00:00:00Z" },
        { "not a date", Csv("2010-02-30T00:00:00Z,b1,5,0,2.5,20,pre1950"), "site.csv line 2, column 'timestamp': '2010-02-30T00:00:00Z' is not a valid date and time" },
        { "not on the hour", Csv("2010-01-01T00:30:00Z,b1,5,0,2.5,20,pre1950"), "site.csv line 2, column 'timestamp': '2010-01-01T00:30:00Z' is not on a whole hour" },
        { "fractional second", Csv("2010-01-01T00:00:00.5Z,b1,5,0,2.5,20,pre1950"), "site.csv line 2, column 'timestamp': '2010-01-01T00:00:00.5Z' is not on a whole hour" },
        { "non-UTC offset", Csv("2010-01-01T00:00:00+01:00,b1,5,0,2.5,20,pre1950"), "site.csv line 2, column 'timestamp': '2010-01-01T00:00:00+01:00' is not UTC (offset +01:00); timestamps must end in Z" },
        { "no time zone", Csv("2010-01-01T00:00:00,b1,5,0,2.5,20,pre1950"), "site.csv line 2, column 'timestamp': '2010-01-01T00:00:00' has no time zone; timestamps must be UTC, e.g. 2010-01-01T00:00:00Z" },
        {
            "duplicate hour",
            Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950", "2010-01-01T00:00:00Z,b2,5,0,2.5,20,pre1950", "2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950"),
            "site.csv line 4, column 'timestamp': building 'b1' already has a row at 2010-01-01T00:00:00Z (line 2)"
        },
        {
            "time going backwards",
            Csv("2010-01-01T05:00:00Z,b1,5,0,2.5,20,pre1950", "2010-01-01T03:00:00Z,b1,5,0,2.5,20,pre1950"),
            "site.csv line 3, column 'timestamp': 2010-01-01T03:00:00Z for building 'b1' is before its previous row (2010-01-01T05:00:00Z, line 2); each building's rows must be in time order"
        },
        { "empty building id", Csv("2010-01-01T00:00:00Z, ,5,0,2.5,20,pre1950"), "site.csv line 2, column 'building_id': the building id is empty" },
        { "empty cohort value", Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,"), "site.csv line 2, column 'building_age': building 'b1' has an empty cohort value" },
        {
            "cohort changes",
            Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950", "2010-01-01T01:00:00Z,b1,5,0,2.5,20,post1990"),
            "site.csv line 3, column 'building_age': building 'b1' had 'pre1950' (line 2), now 'post1990'; a building's cohort must not change"
        },
        { "unterminated quote", Csv("2010-01-01T00:00:00Z,\"b1,5,0,2.5,20,pre1950"), "site.csv line 2: field 2 has an unterminated quote" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task ReadAsync_BadInput_ThrowsWithFileLineColumnAndReason(string kind, string csv, string expected)
    {
        var error = await Assert.ThrowsAsync<DataFormatException>(() => Read(csv));
        Assert.True(expected == error.Message, $"{kind}:\nexpected {expected}\nactual   {error.Message}");
    }

    [Fact]
    public async Task ReadAsync_BadNumber_ExposesLocationProperties()
    {
        var error = await Assert.ThrowsAsync<DataFormatException>(() => Read(Csv("2010-01-01T00:00:00Z,b1,5,0,x,20,pre1950")));
        Assert.Equal("site.csv", error.FileName);
        Assert.Equal(2, error.LineNumber);
        Assert.Equal("hvac_kw", error.Column);
        Assert.Equal("'x' is not a number", error.Reason);
    }

    [Fact]
    public async Task ReadAsync_MissingHours_StartNewSegmentsWithoutFilling()
    {
        var data = await Read(Csv(
            "2010-01-01T00:00:00Z,b1,1,0,0,20,pre1950",
            "2010-01-01T01:00:00Z,b1,2,0,0,20.5,pre1950",
            "2010-01-01T02:00:00Z,b1,3,0,0,21,pre1950",
            "2010-01-01T05:00:00Z,b1,4,0,0,21.5,pre1950",
            "2010-01-01T06:00:00Z,b1,5,0,0,22,pre1950"));

        var building = Assert.Single(data.Buildings);
        Assert.Equal(2, building.Segments.Count);
        long start = new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 3600;
        Assert.Equal(start, building.Segments[0].StartHour);
        Assert.Equal([1f, 2f, 3f], building.Segments[0].OutdoorTempC);
        Assert.Equal(start + 5, building.Segments[1].StartHour);
        Assert.Equal([21.5f, 22f], building.Segments[1].IndoorTempC);
        Assert.Equal(5, building.Hours);
    }

    [Fact]
    public async Task ReadAsync_InterleavedBuildingsAnyColumnOrder_ReadsCohortsAndIgnoresExtraColumns()
    {
        string csv = string.Join('\n',
            "Income_Tier,indoor_temp_c,note,building_id,hvac_kw,solar_w_m2,outdoor_temp_c,timestamp,building_age",
            "low,20,x,b2,1.5,100,4,2010-01-01T00:00:00+00:00,post1990",
            "high,19,y,\"b,1\",-0.5,100,4,2010-01-01T00:00:00Z,pre1950",
            "low,20.25,z,b2,1.25,200,5,2010-01-01T01:00:00Z,post1990",
            "",
            "high,19.5,,\"b,1\",0,200,5,2010-01-01 01:00Z,pre1950");

        var data = await SiteCsvReader.ReadAsync(new StringReader(csv), "site.csv", ["building_age", "income_tier"], CancellationToken.None);

        Assert.Equal(["b2", "b,1"], data.Buildings.Select(b => b.BuildingId));
        Assert.Equal(["building_age", "income_tier"], data.CohortColumns);
        Assert.Equal("post1990", data.Buildings[0].Cohorts["building_age"]);
        Assert.Equal("low", data.Buildings[0].Cohorts["income_tier"]);
        Assert.Equal("high", data.Buildings[1].Cohorts["income_tier"]);
        var b1 = Assert.Single(data.Buildings[1].Segments);
        Assert.Equal([-0.5f, 0f], b1.HvacKw);
        Assert.Equal([100f, 200f], b1.SolarWm2);
        Assert.Equal(4, data.Rows);
    }

    [Fact]
    public async Task ReadAsync_SameCohortValueInManyBuildings_StoresOneString()
    {
        var data = await Read(Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950", "2010-01-01T00:00:00Z,b2,5,0,2.5,20,pre1950"));
        Assert.Same(data.Buildings[0].Cohorts["building_age"], data.Buildings[1].Cohorts["building_age"]);
    }

    [Fact]
    public async Task WriterThenReader_RoundTrip_KeepsEveryFloatExactly()
    {
        var random = new Random(7);
        long start = 350_000;
        float[] Column(int n, float min, float max) => [.. Enumerable.Range(0, n).Select(_ => min + (float)random.NextDouble() * (max - min))];
        var original = new SiteDataset("mem", ["building_age", "income_tier"],
        [
            new BuildingSeries("a", new Dictionary<string, string> { ["building_age"] = "pre1950", ["income_tier"] = "low" },
            [
                new HourlySegment(start, Column(30, -10, 10), Column(30, 0, 900), Column(30, -5, 5), Column(30, 15, 25)),
                new HourlySegment(start + 40, Column(5, -10, 10), Column(5, 0, 900), Column(5, -5, 5), Column(5, 15, 25)),
            ]),
            new BuildingSeries("b \"quoted\"", new Dictionary<string, string> { ["building_age"] = "post1990", ["income_tier"] = "high" },
            [
                new HourlySegment(start + 3, Column(10, -10, 10), Column(10, 0, 900), Column(10, -5, 5), Column(10, 15, 25)),
            ]),
        ]);

        var text = new StringWriter();
        using (var writer = new SiteCsvWriter(text, original.CohortColumns, ["predicted_indoor_temp_c"], leaveOpen: true))
        {
            foreach (var building in original.Buildings)
            {
                foreach (var segment in building.Segments)
                {
                    for (int i = 0; i < segment.Length; i++)
                    {
                        writer.WriteRow(segment.StartHour + i, building.BuildingId, segment.OutdoorTempC[i], segment.SolarWm2[i],
                            segment.HvacKw[i], segment.IndoorTempC[i], [building.Cohorts["building_age"], building.Cohorts["income_tier"]],
                            [i == 0 ? float.NaN : segment.IndoorTempC[i] + 0.1f]);
                    }
                }
            }
        }
        string csv = text.ToString();
        Assert.StartsWith("timestamp,building_id,outdoor_temp_c,solar_w_m2,hvac_kw,indoor_temp_c,building_age,income_tier,predicted_indoor_temp_c\n", csv.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);

        var read = await SiteCsvReader.ReadAsync(new StringReader(csv), "mem", original.CohortColumns, CancellationToken.None);

        Assert.Equal(original.Buildings.Count, read.Buildings.Count);
        for (int b = 0; b < original.Buildings.Count; b++)
        {
            Assert.Equal(original.Buildings[b].BuildingId, read.Buildings[b].BuildingId);
            Assert.Equal(original.Buildings[b].Cohorts, read.Buildings[b].Cohorts);
            Assert.Equal(original.Buildings[b].Segments.Count, read.Buildings[b].Segments.Count);
            for (int s = 0; s < original.Buildings[b].Segments.Count; s++)
            {
                var expected = original.Buildings[b].Segments[s];
                var actual = read.Buildings[b].Segments[s];
                Assert.Equal(expected.StartHour, actual.StartHour);
                Assert.Equal(expected.OutdoorTempC, actual.OutdoorTempC);
                Assert.Equal(expected.SolarWm2, actual.SolarWm2);
                Assert.Equal(expected.HvacKw, actual.HvacKw);
                Assert.Equal(expected.IndoorTempC, actual.IndoorTempC);
            }
        }
    }

    [Fact]
    public async Task ReadAsync_FromFile_NamesThePathInMessages()
    {
        string directory = Directory.CreateTempSubdirectory("federated-data-").FullName;
        try
        {
            string path = Path.Combine(directory, "site.csv");
            var dataset = await Read(Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950", "2010-01-01T01:00:00Z,b1,5,0,2.5,20,pre1950"));
            await SiteCsvWriter.WriteAsync(path, dataset, CancellationToken.None);
            var read = await SiteCsvReader.ReadAsync(path, Age, CancellationToken.None);
            Assert.Equal(2, read.Rows);
            Assert.Equal(path, read.Source);

            await File.AppendAllTextAsync(path, "2010-01-01T02:00:00Z,b1,5,0,2.5,hot,pre1950\n");
            var error = await Assert.ThrowsAsync<DataFormatException>(() => SiteCsvReader.ReadAsync(path, Age, CancellationToken.None));
            Assert.Equal($"{path} line 4, column 'indoor_temp_c': 'hot' is not a number", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ReadAsync_CohortColumnThatIsRequired_ThrowsArgumentException()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Read(Csv("2010-01-01T00:00:00Z,b1,5,0,2.5,20,pre1950"), ["hvac_kw"]));
        Assert.StartsWith("'hvac_kw' is a required column, not a cohort column.", error.Message, StringComparison.Ordinal);
    }
}
