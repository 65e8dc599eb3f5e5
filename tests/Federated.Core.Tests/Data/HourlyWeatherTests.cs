using Federated.Core.Data.Weather;

namespace Federated.Core.Tests.Data;

public class HourlyWeatherTests
{
    private static long UtcHour(int year, int month, int day, int hour) =>
        new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 3600;

    [Fact]
    public void Seattle_EmbeddedNormals_CoverEveryHourWithSeasonalTemperatures()
    {
        var weather = HourlyWeather.Seattle;

        Assert.Equal(HourlyWeather.HoursPerYear, weather.TemperatureC.Length);
        Assert.Equal([0], weather.FilledHours); // the file starts at 01:00 on 1 January
        double january = Mean(weather.TemperatureC[..(31 * 24)]);
        double july = Mean(weather.TemperatureC.Slice(181 * 24, 31 * 24));
        Assert.InRange(january, 4, 7);
        Assert.InRange(july, 16, 21);
        Assert.InRange(weather.PressureHpa[100], 1000, 1030);
        Assert.InRange(weather.WindMs[100], 0, 10);
    }

    [Fact]
    public void TemperatureAtUtc_UsesLocalStandardTime()
    {
        var weather = HourlyWeather.Seattle;
        // 2010-01-01T09:00Z is 01:00 Pacific Standard Time, the file's first row (4.0 °C).
        Assert.Equal(0, weather.HourOfYear(UtcHour(2010, 1, 1, 8)));
        Assert.Equal(8759, weather.HourOfYear(UtcHour(2010, 1, 1, 7)));
        Assert.Equal(1, weather.HourOfYear(UtcHour(2010, 1, 1, 9)));
        Assert.Equal(4.0f, weather.TemperatureAtUtc(UtcHour(2010, 1, 1, 9)));
        Assert.Equal(weather.HourOfYear(UtcHour(2012, 2, 28, 20)), weather.HourOfYear(UtcHour(2012, 2, 29, 20)));
    }

    [Fact]
    public void MeanClearSkyGhi_Seattle_NightZeroSummerNoonAboveWinterNoon()
    {
        var w = HourlyWeather.Seattle;
        double midnight = SolarModel.MeanClearSkyGhi(w.LatitudeDeg, w.LongitudeDeg, UtcHour(2010, 6, 21, 8));
        double summerNoon = SolarModel.MeanClearSkyGhi(w.LatitudeDeg, w.LongitudeDeg, UtcHour(2010, 6, 21, 20));
        double winterNoon = SolarModel.MeanClearSkyGhi(w.LatitudeDeg, w.LongitudeDeg, UtcHour(2010, 12, 21, 20));

        Assert.Equal(0, midnight);
        Assert.InRange(summerNoon, 800, 1000);
        Assert.InRange(winterNoon, 150, 350);
    }

    [Fact]
    public void DailyClearness_SameSeed_SameSkyConstantOverLocalDay()
    {
        var a = new DailyClearness(3, -8);
        var b = new DailyClearness(3, -8);
        long morning = UtcHour(2010, 1, 5, 8); // 00:00 local
        Assert.Equal(a.At(morning), b.At(morning));
        Assert.Equal(a.At(morning), a.At(morning + 23));
        Assert.InRange(a.At(morning), DailyClearness.Minimum, 1);
        Assert.NotEqual(new DailyClearness(4, -8).At(morning), a.At(morning));
    }

    private static double Mean(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }
        return sum / values.Length;
    }
}
