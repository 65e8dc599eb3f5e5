using Federated.Core.Data;
using Federated.Core.Twin;

namespace Federated.Core.Tests.Twin;

/// <summary>
/// Ground truth for the twin tests, written independently of the twin: RK4 with 4 sub-steps per hour on
/// C·dT/dt = (T_out − T)/R + gA·S/1000 + η·Q with inputs held over each hour, and a random HVAC schedule
/// that excites the dynamics.
/// </summary>
internal static class SimulatedBuildings
{
    public const long StartHour = 40L * 365 * 24; // 2010-ish, a whole day.

    public static SiteDataset Site(IReadOnlyList<ThermalParameters> buildings, int hours, int seed, double noiseStd = 0.0)
    {
        var random = new Random(seed);
        var series = buildings.Select((p, b) =>
        {
            var outdoor = new float[hours];
            var solar = new float[hours];
            var hvac = new float[hours];
            var indoor = new float[hours];
            double t = 20;
            double q = 0;
            for (int h = 0; h < hours; h++)
            {
                int hourOfDay = (int)((StartHour + h) % 24);
                outdoor[h] = (float)(5 + (6 * Math.Sin(2 * Math.PI * (hourOfDay - 9) / 24)) + (3 * Math.Sin(2 * Math.PI * h / 240.0)) + random.NextDouble());
                solar[h] = (float)Math.Max(0, 700 * Math.Sin(Math.PI * (hourOfDay - 7) / 10.0)) * (hourOfDay is >= 7 and <= 17 ? 1 : 0);
                if (random.NextDouble() < 0.15) q = Math.Round(random.NextDouble() * 8, 1);
                hvac[h] = (float)q;
                indoor[h] = (float)(t + (noiseStd * Normal(random)));
                t = Step(t, outdoor[h], solar[h], hvac[h], p);
            }
            return new BuildingSeries($"b{b}", new Dictionary<string, string> { ["building_age"] = b % 2 == 0 ? "post1990" : "pre1950" },
                [new HourlySegment(StartHour, outdoor, solar, hvac, indoor)]);
        }).ToList();
        return new SiteDataset("simulated", ["building_age"], series);
    }

    public static double Step(double t, double outdoor, double solar, double hvac, ThermalParameters p)
    {
        const int SubSteps = 4;
        double dt = 1.0 / SubSteps;
        double F(double temp) => (((outdoor - temp) / p.ResistanceKPerKw) + (p.SolarApertureM2 * solar / 1000) + (p.HvacEfficiency * hvac)) / p.CapacitanceKwhPerK;
        for (int i = 0; i < SubSteps; i++)
        {
            double k1 = F(t), k2 = F(t + (dt * k1 / 2)), k3 = F(t + (dt * k2 / 2)), k4 = F(t + (dt * k3));
            t += dt * (k1 + (2 * k2) + (2 * k3) + k4) / 6;
        }
        return t;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
