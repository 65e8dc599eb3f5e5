using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>
/// The shared part of the twin: a small MLP giving the heat flow (kW) the RC physics cannot explain
/// (occupancy gains, infiltration); dividing by each building's own C turns it into K/h, so one network fits
/// buildings of any size. Its parameters, in registration order, form the shared vector.
/// </summary>
public sealed class CorrectionNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Linear _input;
    private readonly Linear _hidden;
    private readonly Linear _output;

    public CorrectionNetwork(int features, int width) : base(nameof(CorrectionNetwork))
    {
        _input = nn.Linear(features, width);
        _hidden = nn.Linear(width, width);
        _output = nn.Linear(width, 1);
        RegisterComponents();
    }

    /// <summary>[N, features] → [N] unmodelled heat flow in kW.</summary>
    public override Tensor forward(Tensor features) =>
        _output.forward(_hidden.forward(_input.forward(features).tanh()).tanh()).squeeze(-1);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
            _hidden.Dispose();
            _output.Dispose();
        }
        base.Dispose(disposing);
    }
}
