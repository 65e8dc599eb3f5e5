namespace Federated.Coordinator.Fairness;

/// <summary>q-FFL settings (section "Federation:Qffl"), used when <c>Federation:Strategy</c> is "qffl".</summary>
internal sealed class QfflOptions
{
    /// <summary>Fairness exponent q ≥ 0: larger q weighs sites with a higher loss more. Default 1.</summary>
    public double Q { get; set; } = 1;

    /// <summary>Lipschitz constant L; 0 (default) = 1 / Federation:LearningRate, the paper's choice.</summary>
    public double Lipschitz { get; set; }
}
