namespace Federated.Core.Data.Generation;

/// <summary>
/// The generator's unmodelled term g in K/h — what the twin's shared neural correction has to learn. Both parts
/// are heat flows (kW) divided by the building's C, as real ones are, so one network can learn them for buildings
/// of every size from what a site's CSV carries (time, indoor and outdoor temperature, cohorts):
/// <list type="bullet">
/// <item>occupancy gains while occupied: <see cref="OccupancyGainKw"/>/C (0.25 K/h at C = 10 kWh/K), on an
/// income-tier schedule in local time (<see cref="IsOccupied"/>);</item>
/// <item>pre1950 buildings only, extra infiltration −<see cref="InfiltrationKwPerK2"/>·(T−Tout)·|T−Tout|/C
/// (−0.27 K/h at 15 K inside–outside difference and C = 10 kWh/K).</item>
/// </list>
/// </summary>
public static class UnmodelledDynamics
{
    public const double OccupancyGainKw = 2.5;
    public const double InfiltrationKwPerK2 = 0.012;

    /// <summary>Whether a household of <paramref name="incomeTier"/> is at home (and awake) at a local time.</summary>
    /// <remarks>low: 07–23 every day; middle: weekdays 06–09 and 17–23, weekends 08–23; high: weekdays 06–08 and
    /// 18–23 (away 08–18), weekends 09–23. Hours are [from, to).</remarks>
    public static bool IsOccupied(string incomeTier, DateTime localTime)
    {
        int hour = localTime.Hour;
        bool weekend = localTime.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        return incomeTier switch
        {
            CohortValues.LowIncome => hour is >= 7 and < 23,
            CohortValues.MiddleIncome => weekend ? hour is >= 8 and < 23 : hour is (>= 6 and < 9) or (>= 17 and < 23),
            CohortValues.HighIncome => weekend ? hour is >= 9 and < 23 : hour is (>= 6 and < 8) or (>= 18 and < 23),
            _ => throw new ArgumentOutOfRangeException(nameof(incomeTier), incomeTier, "Unknown income tier."),
        };
    }

    /// <summary>g in K/h for one building at indoor temperature <paramref name="indoorC"/>.</summary>
    public static double RateKPerHour(double indoorC, double outdoorC, bool occupied, bool leakyPre1950, double capacitanceKwhPerK)
    {
        double rate = occupied ? OccupancyGainKw / capacitanceKwhPerK : 0.0;
        if (leakyPre1950)
        {
            double difference = indoorC - outdoorC;
            rate -= InfiltrationKwPerK2 * difference * Math.Abs(difference) / capacitanceKwhPerK;
        }
        return rate;
    }
}
