namespace Federated.Core.Twin;

/// <summary>The 1R1C physical parameters of one building.</summary>
/// <param name="ResistanceKPerKw">Envelope thermal resistance R, K/kW (1/UA).</param>
/// <param name="CapacitanceKwhPerK">Thermal capacitance C, kWh/K.</param>
/// <param name="SolarApertureM2">Effective solar aperture gA, m² (kW of gain per kW/m² of irradiance).</param>
/// <param name="HvacEfficiency">Fraction η of the metered HVAC power that reaches the zone.</param>
public sealed record ThermalParameters(double ResistanceKPerKw, double CapacitanceKwhPerK, double SolarApertureM2, double HvacEfficiency)
{
    /// <summary>Time constant τ = R·C in hours.</summary>
    public double TimeConstantHours => ResistanceKPerKw * CapacitanceKwhPerK;

    /// <summary>Where the twin's parameters start before any training: a mid-sized, mid-insulated home.</summary>
    public static ThermalParameters InitialGuess { get; } = new(4.0, 15.0, 5.0, 0.9);

    /// <summary>Physical bounds: the twin keeps every parameter inside them.</summary>
    public static ThermalParameters Lower { get; } = new(0.5, 1.0, 0.0, 0.5);

    public static ThermalParameters Upper { get; } = new(30.0, 200.0, 30.0, 1.0);

    public double[] ToArray() => [ResistanceKPerKw, CapacitanceKwhPerK, SolarApertureM2, HvacEfficiency];

    public static ThermalParameters FromArray(ReadOnlySpan<double> v) =>
        v.Length == 4 ? new(v[0], v[1], v[2], v[3]) : throw new ArgumentException($"Expected 4 thermal parameters, got {v.Length}.", nameof(v));
}
