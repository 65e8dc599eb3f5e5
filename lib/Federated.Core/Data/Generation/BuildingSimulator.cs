namespace Federated.Core.Data.Generation;

/// <summary>
/// The ground-truth 1R1C building physics. Over each hour the inputs are held constant (zero-order hold) and
/// <code>dT/dt [K/h] = ((Tout − T)/R + gA·S/1000 + η·Q) / C + g(T)</code>
/// is integrated with classical RK4 in <see cref="SubStepsPerHour"/> equal sub-steps; T is indoor °C, Tout outdoor
/// °C, S irradiance W/m², Q HVAC power kW, g an optional unmodelled rate in K/h (<see cref="UnmodelledDynamics"/>).
/// </summary>
public static class BuildingSimulator
{
    public const int SubStepsPerHour = 4;

    /// <summary>The 1R1C rate of change of indoor temperature, K/h (no unmodelled term).</summary>
    public static double Derivative(TrueThermalParameters parameters, double indoorC, double outdoorC, double solarWm2, double hvacKw)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double heatKw = (outdoorC - indoorC) / parameters.ResistanceKPerKw
            + parameters.SolarApertureM2 * solarWm2 / 1000.0
            + parameters.HvacEfficiency * hvacKw;
        return heatKw / parameters.CapacitanceKwhPerK;
    }

    /// <summary>Advances the indoor temperature by one hour.</summary>
    /// <param name="parameters">The building.</param>
    /// <param name="indoorC">Indoor temperature at the start of the hour.</param>
    /// <param name="outdoorC">Outdoor temperature, held over the hour.</param>
    /// <param name="solarWm2">Irradiance, held over the hour.</param>
    /// <param name="hvacKw">HVAC power, held over the hour.</param>
    /// <param name="unmodelledKPerHour">Optional extra rate g(T) in K/h (its other inputs are fixed for the hour).</param>
    /// <returns>Indoor temperature at the end of the hour.</returns>
    public static double Step(TrueThermalParameters parameters, double indoorC, double outdoorC, double solarWm2, double hvacKw,
        Func<double, double>? unmodelledKPerHour = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        const double h = 1.0 / SubStepsPerHour;
        double t = indoorC;
        for (int i = 0; i < SubStepsPerHour; i++)
        {
            double k1 = Rate(t);
            double k2 = Rate(t + 0.5 * h * k1);
            double k3 = Rate(t + 0.5 * h * k2);
            double k4 = Rate(t + h * k3);
            t += h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        return t;

        double Rate(double temperature) =>
            Derivative(parameters, temperature, outdoorC, solarWm2, hvacKw)
            + (unmodelledKPerHour is null ? 0.0 : unmodelledKPerHour(temperature));
    }

    /// <summary>
    /// Simulates indoor temperatures for given hourly inputs with no unmodelled term and no thermostat: row 0 is
    /// <paramref name="initialIndoorC"/>, row i+1 is row i stepped with the inputs of row i (the last row's inputs
    /// are not used).
    /// </summary>
    public static float[] SimulateIndoor(TrueThermalParameters parameters, double initialIndoorC,
        ReadOnlySpan<float> outdoorC, ReadOnlySpan<float> solarWm2, ReadOnlySpan<float> hvacKw)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        int n = outdoorC.Length;
        if (solarWm2.Length != n || hvacKw.Length != n)
        {
            throw new ArgumentException("The outdoor, solar and HVAC inputs must have the same length.", nameof(solarWm2));
        }
        var indoor = new float[n];
        double t = initialIndoorC;
        for (int i = 0; i < n; i++)
        {
            indoor[i] = (float)t;
            t = Step(parameters, t, outdoorC[i], solarWm2[i], hvacKw[i]);
        }
        return indoor;
    }

    /// <summary>As <see cref="SimulateIndoor"/>, packaged as a segment starting at <paramref name="startHour"/>.</summary>
    public static HourlySegment Simulate(TrueThermalParameters parameters, long startHour, double initialIndoorC,
        float[] outdoorC, float[] solarWm2, float[] hvacKw)
    {
        ArgumentNullException.ThrowIfNull(outdoorC);
        ArgumentNullException.ThrowIfNull(solarWm2);
        ArgumentNullException.ThrowIfNull(hvacKw);
        float[] indoor = SimulateIndoor(parameters, initialIndoorC, outdoorC, solarWm2, hvacKw);
        return new HourlySegment(startHour, [.. outdoorC], [.. solarWm2], [.. hvacKw], indoor);
    }
}
