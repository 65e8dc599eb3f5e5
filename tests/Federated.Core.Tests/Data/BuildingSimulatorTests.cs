using Federated.Core.Data.Generation;

namespace Federated.Core.Tests.Data;

public class BuildingSimulatorTests
{
    private static readonly TrueThermalParameters House = new(ResistanceKPerKw: 4, CapacitanceKwhPerK: 12, SolarApertureM2: 6, HvacEfficiency: 0.9);

    [Fact]
    public void Step_ConstantInputs_MatchesExactExponentialSolution()
    {
        // With inputs held, T relaxes to T∞ = Tout + R·(gA·S/1000 + η·Q) with time constant τ = R·C.
        double tInf = 5 + 4 * (6 * 300 / 1000.0 + 0.9 * 3);
        double expected = tInf + (18 - tInf) * Math.Exp(-1 / House.TimeConstantHours);

        double actual = BuildingSimulator.Step(House, 18, 5, 300, 3);

        Assert.Equal(expected, actual, 1e-8);
    }

    [Fact]
    public void Step_ConstantUnmodelledRate_ShiftsEquilibriumByRateTimesTau()
    {
        double tInf = 5 + 0.3 * House.TimeConstantHours;
        double expected = tInf + (18 - tInf) * Math.Exp(-1 / House.TimeConstantHours);

        double actual = BuildingSimulator.Step(House, 18, 5, 0, 0, _ => 0.3);

        Assert.Equal(expected, actual, 1e-8);
    }

    [Fact]
    public void Simulate_GivenInputs_FirstRowIsInitialAndEachRowStepsThePrevious()
    {
        float[] outdoor = [2, 3, 4, 5];
        float[] solar = [0, 100, 400, 0];
        float[] hvac = [5, 4, 0, -1];

        var segment = BuildingSimulator.Simulate(House, 1000, 20, outdoor, solar, hvac);

        Assert.Equal(1000, segment.StartHour);
        Assert.Equal(4, segment.Length);
        Assert.Equal(20f, segment.IndoorTempC[0]);
        double t = 20;
        for (int i = 1; i < 4; i++)
        {
            t = BuildingSimulator.Step(House, t, outdoor[i - 1], solar[i - 1], hvac[i - 1]);
            Assert.Equal((float)t, segment.IndoorTempC[i]);
        }
        Assert.Equal(hvac, segment.HvacKw);
    }

    [Fact]
    public void UnmodelledDynamics_ColdWeather_IsNoticeableButBounded()
    {
        double leaky = UnmodelledDynamics.RateKPerHour(20, 5, occupied: false, leakyPre1950: true, capacitanceKwhPerK: 10);
        double occupied = UnmodelledDynamics.RateKPerHour(20, 5, occupied: true, leakyPre1950: false, capacitanceKwhPerK: 10);

        Assert.InRange(leaky, -0.5, -0.2);
        Assert.Equal(0.25, occupied, 1e-12);
    }

    [Theory]
    [InlineData("low", 2010, 1, 4, 12, true)]   // Monday noon
    [InlineData("middle", 2010, 1, 4, 12, false)]
    [InlineData("high", 2010, 1, 4, 12, false)]
    [InlineData("high", 2010, 1, 4, 19, true)]
    [InlineData("middle", 2010, 1, 9, 12, true)] // Saturday noon
    [InlineData("low", 2010, 1, 4, 3, false)]
    public void IsOccupied_IncomeTierSchedule(string tier, int year, int month, int day, int hour, bool expected) =>
        Assert.Equal(expected, UnmodelledDynamics.IsOccupied(tier, new DateTime(year, month, day, hour, 0, 0, DateTimeKind.Unspecified)));
}
