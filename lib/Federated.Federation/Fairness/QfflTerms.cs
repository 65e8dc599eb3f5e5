using Federated.Core.Federation;

namespace Federated.Federation.Fairness;

/// <summary>
/// The participant's q-FFL (q-FedAvg, Li et al., ICLR 2020) terms. With F = the local loss of the received global
/// model and δ = local − global after local training, the paper's ΔW = L·(w − w̄) = −L·δ gives
/// Δ = F^q·ΔW and h = q·F^(q−1)·‖ΔW‖² + L·F^q. The participant uploads F^q·δ (so the coordinator's
/// global + L·ΣF^q·δ / Σh is the paper's w − ΣΔ / Σh) and h.
/// </summary>
public static class QfflTerms
{
    /// <summary>Smallest loss used, so F^(q−1) stays finite for q &lt; 1 and a perfect fit still moves.</summary>
    public const double MinLoss = 1e-8;

    /// <summary>Returns the update to upload (F^q·δ) and h. F is <see cref="LocalUpdate.InitialLoss"/>, else the mean train loss.</summary>
    public static (LocalUpdate Scaled, double H) Compute(LocalUpdate update, double q, double lipschitz)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!(q >= 0) || !double.IsFinite(q))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "q must be a finite number ≥ 0.");
        }
        if (!(lipschitz > 0) || !double.IsFinite(lipschitz))
        {
            throw new ArgumentOutOfRangeException(nameof(lipschitz), lipschitz, "The Lipschitz constant must be a positive finite number.");
        }
        double loss = double.IsFinite(update.InitialLoss) ? update.InitialLoss : update.TrainLoss;
        if (!double.IsFinite(loss))
        {
            throw new InvalidOperationException("q-FFL needs the local loss of the global model; the trainer reported none.");
        }
        double f = Math.Max(loss, MinLoss);
        double fq = Math.Pow(f, q);
        double squaredNorm = 0;
        var scaled = new float[update.Delta.Length];
        for (int i = 0; i < scaled.Length; i++)
        {
            double d = update.Delta[i];
            squaredNorm += d * d;
            scaled[i] = (float)(fq * d);
        }
        double h = (q * Math.Pow(f, q - 1) * lipschitz * lipschitz * squaredNorm) + (lipschitz * fq);
        return (update with { Delta = scaled }, h);
    }
}
