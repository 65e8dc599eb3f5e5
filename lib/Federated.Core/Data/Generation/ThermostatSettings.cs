namespace Federated.Core.Data.Generation;

/// <summary>
/// A building's proportional thermostat. Heating aims at <see cref="HeatingSetpointC"/>, lowered by
/// <see cref="NightSetbackK"/> from 23:00 to 06:00 local time; cooling aims at <see cref="CoolingSetpointC"/>.
/// Power is <c>clamp(k·(setpoint − T), −Qmax, Qmax)</c> from the indoor temperature at the start of the hour.
/// </summary>
public sealed record ThermostatSettings(double HeatingSetpointC, double NightSetbackK, double CoolingSetpointC, double GainKwPerK, double MaxPowerKw)
{
    public double HeatingSetpointAt(int localHour) =>
        localHour is >= 23 or < 6 ? HeatingSetpointC - NightSetbackK : HeatingSetpointC;

    /// <summary>HVAC thermal power, kW (heating +, cooling −), for the hour starting at <paramref name="localHour"/>.</summary>
    public double PowerKw(double indoorC, int localHour)
    {
        double heating = HeatingSetpointAt(localHour);
        if (indoorC < heating)
        {
            return Math.Min(GainKwPerK * (heating - indoorC), MaxPowerKw);
        }
        if (indoorC > CoolingSetpointC)
        {
            return Math.Max(GainKwPerK * (CoolingSetpointC - indoorC), -MaxPowerKw);
        }
        return 0.0;
    }
}
