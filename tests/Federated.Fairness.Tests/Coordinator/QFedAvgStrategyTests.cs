using Federated.Coordinator.Aggregation;
using Federated.Core.Federation;
using Federated.Federation.Fairness;

namespace Federated.Fairness.Tests.Coordinator;

/// <summary>q-FedAvg against the update rule of Li et al. (ICLR 2020, Algorithm 2), written out here independently.</summary>
public class QFedAvgStrategyTests
{
    private static readonly float[] Global = [0.5f, -1f, 2f];

    // Three devices: local models after training, and their losses at the global model.
    private static readonly (float[] Local, double Loss)[] Devices =
    [
        ([0.6f, -1.2f, 2.1f], 0.8),
        ([0.4f, -0.9f, 1.7f], 2.5),
        ([0.55f, -1.05f, 2.3f], 0.1),
    ];

    /// <summary>The paper: ΔW_k = L(w − w̄_k), Δ_k = F_k^q ΔW_k, h_k = q F_k^(q−1) ‖ΔW_k‖² + L F_k^q, w ← w − ΣΔ_k / Σh_k.</summary>
    private static double[] PaperStep(double q, double lipschitz)
    {
        var sumDelta = new double[Global.Length];
        double sumH = 0;
        foreach (var (local, f) in Devices)
        {
            var deltaW = Global.Select((w, i) => lipschitz * (w - local[i])).ToArray();
            double norm2 = deltaW.Sum(d => d * d);
            for (int i = 0; i < sumDelta.Length; i++)
            {
                sumDelta[i] += Math.Pow(f, q) * deltaW[i];
            }
            sumH += (q * Math.Pow(f, q - 1) * norm2) + (lipschitz * Math.Pow(f, q));
        }
        return Global.Select((w, i) => w - (sumDelta[i] / sumH)).ToArray();
    }

    private static List<ClientUpdate> Uploads(double q, double lipschitz, long samples = 100) => Devices.Select((d, k) =>
    {
        var update = new LocalUpdate(d.Local.Select((v, i) => v - Global[i]).ToArray(), samples, double.NaN) { InitialLoss = d.Loss };
        var (scaled, h) = QfflTerms.Compute(update, q, lipschitz);
        return new ClientUpdate("site-" + k, scaled.Delta, samples, double.NaN) { QfflH = h };
    }).ToList();

    [Theory]
    [InlineData(0.0, 10.0)]
    [InlineData(1.0, 10.0)]
    [InlineData(2.0, 1.0)]
    [InlineData(5.0, 100.0)]
    public void Aggregate_EqualWeights_MatchesThePapersUpdateRule(double q, double lipschitz)
    {
        var result = new QFedAvgStrategy(lipschitz).Aggregate(Global, Uploads(q, lipschitz));
        var expected = PaperStep(q, lipschitz);
        Assert.False(result.KeepsPrevious, result.KeepReason);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], result.NewGlobal![i], 5);
        }
    }

    [Fact]
    public void Aggregate_QZero_IsTheUnweightedMeanOfTheLocalModels()
    {
        var result = new QFedAvgStrategy(7).Aggregate(Global, Uploads(0, 7));
        for (int i = 0; i < Global.Length; i++)
        {
            Assert.Equal(Devices.Average(d => d.Local[i]), result.NewGlobal![i], 5);
        }
    }

    [Fact]
    public void Apply_FromWeightedMeans_EqualsAggregate_SoEncryptedRoundsNeedOnlySums()
    {
        var uploads = Uploads(1.5, 20).Select((u, k) => u with { SampleCount = 50 + (100 * k) }).ToList();
        var strategy = new QFedAvgStrategy(20);
        double totalWeight = uploads.Sum(u => (double)u.SampleCount);
        var mean = Enumerable.Range(0, Global.Length).Select(i => uploads.Sum(u => u.SampleCount * (double)u.Delta[i]) / totalWeight).ToArray();
        double meanH = uploads.Sum(u => u.SampleCount * u.QfflH) / totalWeight;
        var fromSums = strategy.Apply(Global, mean, meanH);
        var direct = strategy.Aggregate(Global, uploads);
        Assert.Equal(direct.NewGlobal!, fromSums.NewGlobal!);
    }

    [Fact]
    public void Aggregate_HigherQ_MovesTowardsTheWorstOffDevice()
    {
        // Device 1 has the highest loss; as q grows the step leans towards its local model.
        double Distance(float[] w) => w.Select((v, i) => Math.Pow(v - Devices[1].Local[i], 2)).Sum();
        var low = new QFedAvgStrategy(10).Aggregate(Global, Uploads(0, 10)).NewGlobal!;
        var high = new QFedAvgStrategy(10).Aggregate(Global, Uploads(5, 10)).NewGlobal!;
        Assert.True(Distance(high) < Distance(low));
    }

    [Fact]
    public void Aggregate_UpdateWithoutH_KeepsThePreviousModelWithAReason()
    {
        var result = new QFedAvgStrategy(1).Aggregate(Global, [new ClientUpdate("site-x", [0, 0, 0], 1, 0.1)]);
        Assert.True(result.KeepsPrevious);
        Assert.Contains("site-x carries no valid q-FFL term h", result.KeepReason, StringComparison.Ordinal);
    }
}
