using System.Text.Json.Serialization;

namespace Federated.Core.Data.Generation;

/// <summary>
/// The TRUE physical parameters of a simulated 1R1C building (see <see cref="BuildingSimulator"/>): the same
/// fields and units as the twin's learnable <c>Federated.Core.Twin.ThermalParameters</c>, kept separate so the data
/// layer does not depend on the twin.
/// </summary>
/// <param name="ResistanceKPerKw">R: envelope thermal resistance, K/kW.</param>
/// <param name="CapacitanceKwhPerK">C: effective thermal capacitance, kWh/K.</param>
/// <param name="SolarApertureM2">gA: effective solar aperture, m² (solar gain = gA·S/1000 kW).</param>
/// <param name="HvacEfficiency">η: fraction of the metered HVAC thermal power that reaches the zone air.</param>
public sealed record TrueThermalParameters(double ResistanceKPerKw, double CapacitanceKwhPerK, double SolarApertureM2, double HvacEfficiency)
{
    /// <summary>τ = R·C, hours.</summary>
    [JsonIgnore]
    public double TimeConstantHours => ResistanceKPerKw * CapacitanceKwhPerK;

    /// <summary>[R, C, gA, η] — the order of the twin's <c>ThermalParameters.FromArray</c>.</summary>
    public double[] ToArray() => [ResistanceKPerKw, CapacitanceKwhPerK, SolarApertureM2, HvacEfficiency];

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
