using Federated.Core.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>
/// The grey-box twin of a site's buildings: the RC physics with one set of physical parameters per building
/// (kept on site) plus the shared <see cref="CorrectionNetwork"/>. Inputs are held constant over each hour, so the
/// hour is integrated exactly: T(k+s) = T_eq + (T_k − T_eq)·e^(−s/RC), T_eq = RC·u, where u is the hour's forcing
/// (outdoor, solar, HVAC and the neural correction's unmodelled heat flow) per unit capacitance.
/// </summary>
public sealed class BuildingThermalTwin : nn.Module
{
    // Bounds in the space the sigmoid maps into: log space for R and C (they span two decades), linear otherwise.
    private static readonly bool[] LogScale = [true, true, false, false];

    private readonly Tensor _lower;
    private readonly Tensor _span;
    private readonly Tensor _logMask;
    private readonly Tensor _initialRaw;
    private readonly Dictionary<string, int> _slots;

    public BuildingThermalTwin(IReadOnlyList<string> buildingIds, TwinOptions options, Device? device = null) : base(nameof(BuildingThermalTwin))
    {
        ArgumentNullException.ThrowIfNull(buildingIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        BuildingIds = buildingIds.ToArray();
        _slots = BuildingIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        Correction = new CorrectionNetwork(TwinFeatures.Count(options), options.HiddenWidth);

        double[] lower = Transform(ThermalParameters.Lower.ToArray());
        double[] upper = Transform(ThermalParameters.Upper.ToArray());
        _lower = tensor(lower.Select(v => (float)v).ToArray());
        _span = tensor(lower.Zip(upper, (l, u) => (float)(u - l)).ToArray());
        _logMask = tensor(LogScale);

        float[] initial = Unconstrained(ThermalParameters.InitialGuess);
        _initialRaw = tensor(initial).unsqueeze(0);
        var raw = new float[BuildingIds.Count * 4];
        for (int b = 0; b < BuildingIds.Count; b++)
        {
            initial.CopyTo(raw, b * 4);
        }
        PhysicsRaw = new Parameter(tensor(raw, [BuildingIds.Count, 4]));
        RegisterComponents();
        if (device is not null && device.type != DeviceType.CPU)
        {
            this.to(device);
        }
    }

    public TwinOptions Options { get; }
    public IReadOnlyList<string> BuildingIds { get; }
    public CorrectionNetwork Correction { get; }

    /// <summary>Unconstrained site-local parameters, [buildings, 4]; mapped into physical bounds by a sigmoid.</summary>
    public Parameter PhysicsRaw { get; }

    public Device Device => PhysicsRaw.device;

    /// <summary>Index of a building in the parameter table, or −1 for a building never trained here.</summary>
    public int SlotOf(string buildingId) => _slots.GetValueOrDefault(buildingId, -1);

    /// <summary>Physical parameters of the given building slots (−1 → the initial guess).</summary>
    public PhysicalTensors Physical(Tensor slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        using var known = slots.ge(PinnedScalars.Zero);
        using var safe = slots.clamp_min(PinnedScalars.Zero);
        var raw = PhysicsRaw.index_select(0, safe);
        var fallback = _initialRaw.to(Device).expand_as(raw);
        raw = where(known.unsqueeze(1), raw, fallback);
        var mapped = _lower.to(Device).Plus(_span.to(Device).mul(raw.sigmoid()));
        var values = where(_logMask.to(Device), mapped.exp(), mapped);
        return new PhysicalTensors(values[.., 0], values[.., 1], values[.., 2], values[.., 3]);
    }

    /// <summary>Current physical parameters of every building, in <see cref="BuildingIds"/> order.</summary>
    public IReadOnlyDictionary<string, ThermalParameters> PhysicalParameters()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = Physical(arange(BuildingIds.Count, dtype: int64, device: Device));
        var columns = new[] { p.Resistance, p.Capacitance, p.SolarAperture, p.Efficiency }.Select(t => t.cpu().data<float>().ToArray()).ToArray();
        return BuildingIds.Select((id, b) => (id, b)).ToDictionary(
            x => x.id, x => new ThermalParameters(columns[0][x.b], columns[1][x.b], columns[2][x.b], columns[3][x.b]), StringComparer.Ordinal);
    }

    /// <summary>Sets a building's physical parameters (clamped inside the bounds).</summary>
    public void SetPhysical(string buildingId, ThermalParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int slot = SlotOf(buildingId);
        if (slot < 0) throw new KeyNotFoundException($"Building '{buildingId}' is not part of this twin.");
        float[] raw = Unconstrained(parameters);
        using var noGrad = no_grad();
        for (int j = 0; j < 4; j++)
        {
            PhysicsRaw[slot, j] = raw[j];
        }
    }

    /// <summary>
    /// Rolls every window forward <c>H</c> hours from its observed start temperature. Returns [B, H] predicted
    /// temperatures and the [B, H] neural corrections (kW of unmodelled heat flow) it applied.
    /// </summary>
    public Tensor Rollout(WindowBatch batch, out Tensor corrections)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Rollout(batch, Physical(batch.Buildings), out corrections);
    }

    /// <summary><see cref="Rollout(WindowBatch, out Tensor)"/> with the batch's physical parameters already looked up.</summary>
    public Tensor Rollout(WindowBatch batch, PhysicalTensors p, out Tensor corrections)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(p);
        var decayRate = p.Resistance.mul(p.Capacitance).reciprocal();
        var decay = decayRate.neg().exp();
        long horizon = batch.Target.shape[1];
        var temperature = batch.Start;
        var predicted = new List<Tensor>((int)horizon);
        var applied = new List<Tensor>((int)horizon);
        for (long k = 0; k < horizon; k++)
        {
            var outdoor = batch.Outdoor[.., k];
            var solar = batch.Solar[.., k];
            var hvac = batch.Hvac[.., k];
            var g = Correction.forward(Features(batch, k, temperature, outdoor));
            var forcing = outdoor.div(p.Resistance).Plus(p.SolarAperture.mul(solar).Times(PinnedScalars.PerKilo)).Plus(p.Efficiency.mul(hvac)).Plus(g).div(p.Capacitance);
            var equilibrium = forcing.div(decayRate);
            temperature = equilibrium.Plus(temperature.Minus(equilibrium).mul(decay));
            predicted.Add(temperature);
            applied.Add(g);
        }
        corrections = stack(applied, 1);
        return stack(predicted, 1);
    }

    /// <summary>
    /// The physics residual of the rollout: at a random instant inside each hour the twin's continuous trajectory
    /// is differentiated by autograd and compared with the pure RC equation. It is what the neural term adds to
    /// the physics, so penalising it keeps the physical parameters in charge of what they can explain.
    /// </summary>
    public static Tensor PhysicsResidual(WindowBatch batch, PhysicalTensors p, Tensor predicted, Tensor corrections, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(corrections);
        var rate = p.Resistance.mul(p.Capacitance).reciprocal().unsqueeze(1);
        var starts = cat([batch.Start.unsqueeze(1), predicted[.., ..^1]], 1);
        var forcing = batch.Outdoor.div(p.Resistance.unsqueeze(1)).Plus(p.SolarAperture.unsqueeze(1).mul(batch.Solar).Times(PinnedScalars.PerKilo))
            .Plus(p.Efficiency.unsqueeze(1).mul(batch.Hvac)).Plus(corrections).div(p.Capacitance.unsqueeze(1));
        var equilibrium = forcing.div(rate);
        var s = rand(starts.shape, generator: generator, device: starts.device).requires_grad_(true);
        var trajectory = equilibrium.Plus(starts.Minus(equilibrium).mul(rate.mul(s).neg().exp()));
        var expand = new PhysicalTensors(p.Resistance.unsqueeze(1), p.Capacitance.unsqueeze(1), p.SolarAperture.unsqueeze(1), p.Efficiency.unsqueeze(1));
        return RcPhysics.Residual(s, trajectory, batch.Outdoor, batch.Solar, batch.Hvac, expand);
    }

    private static Tensor Features(WindowBatch batch, long k, Tensor temperature, Tensor outdoor) => cat(
    [
        batch.Calendar[.., k, ..],
        outdoor.Minus(temperature).Times(PinnedScalars.Tenth).unsqueeze(1),
        batch.Cohorts,
    ], 1);

    /// <summary>The inverse of the bounded mapping in <see cref="Physical"/> (values clamped just inside the bounds).</summary>
    private static float[] Unconstrained(ThermalParameters parameters)
    {
        double[] lower = Transform(ThermalParameters.Lower.ToArray()), upper = Transform(ThermalParameters.Upper.ToArray());
        double[] value = Transform(parameters.ToArray());
        var raw = new float[value.Length];
        for (int j = 0; j < value.Length; j++)
        {
            double unit = Math.Clamp((value[j] - lower[j]) / (upper[j] - lower[j]), 1e-6, 1 - 1e-6);
            raw[j] = (float)Math.Log(unit / (1 - unit));
        }
        return raw;
    }

    private static double[] Transform(double[] physical) => physical.Select((v, j) => LogScale[j] ? Math.Log(v) : v).ToArray();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Correction.Dispose();
            PhysicsRaw.Dispose();
            _lower.Dispose();
            _span.Dispose();
            _logMask.Dispose();
            _initialRaw.Dispose();
        }
        base.Dispose(disposing);
    }
}
