using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>
/// The 1R1C building equation, C·dT/dt = (T_out − T)/R + gA·S/1000 + η·Q, as tensor maths shared by the rollout
/// and the physics residual. Units: T in °C, t in hours, R in K/kW, C in kWh/K, gA in m², S in W/m², Q in kW.
/// </summary>
public static class RcPhysics
{
    /// <summary>dT/dt in K/h of the pure RC model.</summary>
    public static Tensor Derivative(Tensor indoor, Tensor outdoor, Tensor solar, Tensor hvac, PhysicalTensors p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return outdoor.Minus(indoor).div(p.Resistance).Plus(p.SolarAperture.mul(solar).Times(PinnedScalars.PerKilo)).Plus(p.Efficiency.mul(hvac)).div(p.Capacitance);
    }

    /// <summary>
    /// Residual of the RC equation along a trajectory given as a differentiable function of time:
    /// r = dT/dt (by autograd) − f(T, inputs). Zero wherever the trajectory obeys the pure physics; kept in the
    /// graph (create_graph) so that a loss on it trains the parameters.
    /// </summary>
    public static Tensor Residual(Tensor time, Tensor indoor, Tensor outdoor, Tensor solar, Tensor hvac, PhysicalTensors p)
    {
        ArgumentNullException.ThrowIfNull(indoor);
        using var ones = ones_like(indoor);
        var dTdt = autograd.grad([indoor], [time], [ones], retain_graph: true, create_graph: true)[0];
        return dTdt.Minus(Derivative(indoor, outdoor, solar, hvac, p));
    }
}

/// <summary>Per-row physical parameters as tensors (each [B] or broadcastable).</summary>
public sealed record PhysicalTensors(Tensor Resistance, Tensor Capacitance, Tensor SolarAperture, Tensor Efficiency);
