using System.Text.Json.Serialization;

namespace Federated.Core.Data.Generation;

/// <summary>
/// The physical parameters of the 1R1C building model (see <see cref="BuildingSimulator"/>).
/// </summary>
/// <param name="ResistanceKPerKw">R: envelope thermal resistance, K/kW.</param>
/// <param name="CapacitanceKwhPerK">C: effective thermal capacitance, kWh/K.</param>
/// <param name="SolarApertureM2">gA: effective solar aperture, m² (solar gain = gA·S/1000 kW).</param>
/// <param name="HvacEfficiency">η: fraction of the metered HVAC thermal power that reaches the zone air.</param>
public sealed record ThermalParameters(double ResistanceKPerKw, double CapacitanceKwhPerK, double SolarApertureM2, double HvacEfficiency)
{
    /// <summary>τ = R·C, hours.</summary>
    [JsonIgnore]
    public double TimeConstantHours => ResistanceKPerKw * CapacitanceKwhPerK;

    /// <summary>Throws naming the first parameter that is not positive and finite (η must also be ≤ 1).</summary>
    public void Validate()
    {
        Check(ResistanceKPerKw, nameof(ResistanceKPerKw));
        Check(CapacitanceKwhPerK, nameof(CapacitanceKwhPerK));
        if (!double.IsFinite(SolarApertureM2) || SolarApertureM2 < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SolarApertureM2), SolarApertureM2, "The solar aperture must be finite and not negative.");
        }
        Check(HvacEfficiency, nameof(HvacEfficiency));
        if (HvacEfficiency > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HvacEfficiency), HvacEfficiency, "The HVAC efficiency must be at most 1.");
        }
    }

    private static void Check(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
        }
    }
}
