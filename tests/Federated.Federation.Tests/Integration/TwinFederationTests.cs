using System.Globalization;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Models;
using Federated.Coordinator.Rounds;
using Federated.Core.Data;
using Federated.Core.Data.Generation;
using Federated.Core.Twin;
using Federated.Federation.Client;
using Federated.Federation.Transport;

namespace Federated.Federation.Tests.Integration;

/// <summary>The real building twin over loopback gRPC: small generated data, few steps, kept short.</summary>
public class TwinFederationTests
{
    [Fact]
    public async Task ThreeTwinParticipants_TwoRounds_CompleteWithFiniteMetrics()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = timeout.Token;
        string root = Path.Combine(Path.GetTempPath(), "federation-twin-" + Guid.NewGuid().ToString("N"));
        var trainers = new List<TwinTrainer>();
        try
        {
            var generated = await SiteDataGenerator.GenerateAsync(
                new GeneratorOptions { Sites = 3, BuildingsPerSite = 5, TrainDays = 6, TestDays = 2, Seed = 3 }, Path.Combine(root, "data"), null, ct);
            var options = new TwinOptions();
            foreach (var site in generated.Manifest.Sites)
            {
                var data = await SiteCsvReader.ReadAsync(Path.Combine(generated.OutputDirectory, site.File), generated.Manifest.CohortColumns, ct);
                var (train, test) = data.SplitAt(generated.Manifest.SplitHour);
                trainers.Add(new TwinTrainer(train, test, options));
            }
            var settings = new Dictionary<string, string?>
            {
                ["Federation:MinParticipants"] = "3",
                ["Federation:Rounds"] = "2",
                ["Federation:LocalSteps"] = "5",
                ["Federation:BatchSize"] = "16",
                ["Federation:LearningRate"] = "0.003",
                ["Federation:OutDir"] = Path.Combine(root, "out"),
                ["Security:AllowInsecureLoopback"] = "true",
            };
            await using var coordinator = await InProcessCoordinator.StartAsync(settings, new TwinModelSource(options), quiet: true, cancellationToken: ct);
            using var channel = FederationChannel.Create(coordinator.Address);

            var results = await Task.WhenAll(generated.Manifest.Sites.Select((site, i) => new ParticipantWorker(
                new FederationClient(channel.CreateCallInvoker()), trainers[i],
                new ParticipantOptions { Coordinator = coordinator.Address, SiteId = site.Name }).RunAsync(ct)));

            Assert.All(results, r => Assert.True(r.Completed));
            var records = coordinator.Run.Records;
            Assert.Equal(2, records.Count);
            Assert.All(records, r => Assert.Equal(RoundPhase.Completed, r.Phase));
            Assert.All(records, r => Assert.Equal(3, r.Participants.Count));
            Assert.All(records, r => Assert.True(double.IsFinite(r.ValidationRmse) && r.ValidationSums.Count > 0,
                string.Create(CultureInfo.InvariantCulture, $"round {r.Round}: RMSE {r.ValidationRmse} over {r.ValidationSums.Count}")));
            Assert.All(records, r => Assert.True(double.IsFinite(r.TrainLoss)));
            Assert.Equal(TwinSharedModel.Layout(options).Length, coordinator.Run.CurrentModel.Values.Length);
        }
        finally
        {
            trainers.ForEach(t => t.Dispose());
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
