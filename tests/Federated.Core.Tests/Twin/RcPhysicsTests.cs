using Federated.Core.Twin;
using static TorchSharp.torch;

namespace Federated.Core.Tests.Twin;

public class RcPhysicsTests
{
    private static PhysicalTensors Parameters(double r, double c, double ga, double eta) =>
        new(tensor(r), tensor(c), tensor(ga), tensor(eta));

    // Exact solution of the RC equation with constant inputs: T(t) = T_eq + (T0 − T_eq)·e^(−t/RC).
    private static Tensor ExactTrajectory(Tensor time, double t0, double outdoor, double solar, double hvac, ThermalParameters p)
    {
        double equilibrium = outdoor + (p.ResistanceKPerKw * ((p.SolarApertureM2 * solar / 1000) + (p.HvacEfficiency * hvac)));
        return equilibrium + ((t0 - equilibrium) * (-time / p.TimeConstantHours).exp());
    }

    [Fact]
    public void Residual_OnExactOdeSolution_IsZero()
    {
        using var scope = NewDisposeScope();
        var truth = new ThermalParameters(5, 12, 6, 0.85);
        var time = linspace(0, 48, 97, dtype: float64).requires_grad_(true);
        var indoor = ExactTrajectory(time, 14, outdoor: 2, solar: 300, hvac: 4, truth);

        var residual = RcPhysics.Residual(time, indoor, tensor(2.0), tensor(300.0), tensor(4.0), Parameters(5, 12, 6, 0.85));

        Assert.True(residual.abs().max().item<double>() < 1e-9, $"max |r| = {residual.abs().max().item<double>():E2}");
    }

    [Fact]
    public void Residual_WithWrongParameters_IsNotZero()
    {
        using var scope = NewDisposeScope();
        var truth = new ThermalParameters(5, 12, 6, 0.85);
        var time = linspace(0, 48, 97, dtype: float64).requires_grad_(true);
        var indoor = ExactTrajectory(time, 14, outdoor: 2, solar: 300, hvac: 4, truth);

        var residual = RcPhysics.Residual(time, indoor, tensor(2.0), tensor(300.0), tensor(4.0), Parameters(6, 12, 6, 0.85));

        Assert.True(residual.abs().max().item<double>() > 1e-3);
    }

    [Fact]
    public void Rollout_MatchesIndependentRk4Simulation()
    {
        var truth = new ThermalParameters(3, 25, 7, 0.95);
        var site = SimulatedBuildings.Site([truth], hours: 24 * 3, seed: 2);
        var options = new TwinOptions();
        using var twin = new BuildingThermalTwin(["b0"], options);
        twin.SetPhysical("b0", truth);
        TwinSharedModel.Load(twin.Correction, TwinSharedModel.Initial(options, 1)); // zero output layer: pure physics
        var index = new WindowIndex(site, options.Horizon);
        using var scope = NewDisposeScope();
        using var batch = WindowBatch.Create(index, [0, 10, 20], b => b, options.CohortBuckets, CPU);

        var predicted = twin.Rollout(batch, out var corrections);

        Assert.Equal(0.0, corrections.abs().max().item<float>());
        Assert.True((predicted - batch.Target).abs().max().item<float>() < 1e-3f);
    }
}
