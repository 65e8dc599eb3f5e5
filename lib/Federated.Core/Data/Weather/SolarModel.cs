namespace Federated.Core.Data.Weather;

/// <summary>
/// Clear-sky global horizontal irradiance from sun position: declination and equation of time by day of year,
/// hour angle from solar time, then GHI ≈ 1000·sin(elevation)^1.2 W/m² while the sun is up. Cloud cover is
/// applied on top as a clearness factor in [0, 1] (<see cref="DailyClearness"/>).
/// </summary>
public static class SolarModel
{
    private const int SamplesPerHour = 4;

    /// <summary>Sine of the solar elevation at an instant.</summary>
    public static double SineElevation(double latitudeDeg, double longitudeDeg, DateTime utc)
    {
        int dayOfYear = utc.DayOfYear;
        double declination = DegToRad(23.45) * Math.Sin(2 * Math.PI * (284 + dayOfYear) / 365.0);
        double b = 2 * Math.PI * (dayOfYear - 81) / 364.0;
        double equationOfTimeMinutes = 9.87 * Math.Sin(2 * b) - 7.53 * Math.Cos(b) - 1.5 * Math.Sin(b);
        double solarHours = utc.TimeOfDay.TotalHours + longitudeDeg / 15.0 + equationOfTimeMinutes / 60.0;
        double hourAngle = DegToRad(15.0 * (solarHours - 12.0));
        double latitude = DegToRad(latitudeDeg);
        return Math.Sin(latitude) * Math.Sin(declination) + Math.Cos(latitude) * Math.Cos(declination) * Math.Cos(hourAngle);
    }

    /// <summary>Clear-sky GHI, W/m², at an instant.</summary>
    public static double ClearSkyGhi(double latitudeDeg, double longitudeDeg, DateTime utc)
    {
        double sine = SineElevation(latitudeDeg, longitudeDeg, utc);
        return sine > 0 ? 1000.0 * Math.Pow(sine, 1.2) : 0.0;
    }

    /// <summary>Mean clear-sky GHI, W/m², over the UTC hour starting at <paramref name="utcHour"/> (hours since the epoch).</summary>
    public static double MeanClearSkyGhi(double latitudeDeg, double longitudeDeg, long utcHour)
    {
        DateTime start = DateTime.UnixEpoch.AddHours(utcHour);
        double sum = 0;
        for (int i = 0; i < SamplesPerHour; i++)
        {
            sum += ClearSkyGhi(latitudeDeg, longitudeDeg, start.AddHours((i + 0.5) / SamplesPerHour));
        }
        return sum / SamplesPerHour;
    }

    private static double DegToRad(double degrees) => degrees * Math.PI / 180.0;
}
