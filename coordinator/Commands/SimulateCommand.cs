using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Federated.Core.Federation;
using Federated.Federation.Client;
using Federated.Federation.Resilience;
using Federated.Federation.Simulation;
using Federated.Federation.Transport;
using Grpc.Net.Client;

namespace Federated.Coordinator.Commands;

/// <summary>
/// <c>coordinator simulate --coordinator URL --participants N</c>: N lightweight participants in one process, each a
/// <see cref="QuadraticTrainer"/> on the "synthetic" layout (no data, no training cost) behind the same worker,
/// client and resilience pipelines as a real site. For load tests and failure drills against a coordinator started
/// with <c>--Federation:Model=synthetic</c> and <c>--Security:AllowInsecureLoopback=true</c>.
/// </summary>
internal static class SimulateCommand
{
    /// <summary>Printed (with site and round) when a participant stops at --pause-at-round, so a test can kill it there.</summary>
    public const string PauseMarker = "FEDERATED-SIM-PAUSED";

    public static Command Create()
    {
        var coordinator = new Option<string>("--coordinator") { Description = "Coordinator address (http://127.0.0.1:PORT).", Required = true };
        var participants = new Option<int>("--participants") { Description = "Simulated participants in this process.", DefaultValueFactory = _ => 10 };
        var prefix = new Option<string>("--site-prefix") { Description = "Site ids are PREFIX-000, PREFIX-001, ...", DefaultValueFactory = _ => "sim" };
        var siteId = new Option<string?>("--site-id") { Description = "With one participant: its exact site id." };
        var length = new Option<int>("--length") { Description = "Parameters of the synthetic layout (must equal the coordinator's Federation:SyntheticLength).", DefaultValueFactory = _ => 1024 };
        var channels = new Option<int>("--channels") { Description = "HTTP/2 channels shared by the participants.", DefaultValueFactory = _ => 8 };
        var pauseAt = new Option<int>("--pause-at-round") { Description = "Test hook: stop dead when asked to train this round (prints " + PauseMarker + ")." };
        var command = new Command("simulate", "Run lightweight simulated participants (no data, no training cost) against a coordinator.")
        {
            coordinator, participants, prefix, siteId, length, channels, pauseAt,
        };
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            int count = result.GetValue(participants);
            int len = result.GetValue(length);
            if (count < 1 || len < 1)
            {
                await Console.Error.WriteLineAsync("error: --participants and --length must be positive").ConfigureAwait(false);
                return 2;
            }
            var address = new Uri(result.GetValue(coordinator)!);
            var layout = new SharedLayout("synthetic", 1, len);
            var pool = Enumerable.Range(0, Math.Clamp(result.GetValue(channels), 1, count)).Select(_ => FederationChannel.Create(address)).ToArray();
            try
            {
                var clock = Stopwatch.StartNew();
                var runs = Enumerable.Range(0, count).Select(i =>
                {
                    string site = count == 1 && result.GetValue(siteId) is { } id ? id : string.Create(CultureInfo.InvariantCulture, $"{result.GetValue(prefix)}-{i:D3}");
                    ILocalTrainer trainer = new QuadraticTrainer(layout, QuadraticTrainer.Target(len, 5f + (i % 7), i), 100 + i);
                    if (result.GetValue(pauseAt) is > 0 and var round)
                    {
                        trainer = new PausingTrainer(trainer, site, round);
                    }
                    var options = new ParticipantOptions { Coordinator = address, SiteId = site };
                    var client = new FederationClient(pool[i % pool.Length].CreateCallInvoker(), new ParticipantResilience(options.Resilience));
                    return new ParticipantWorker(client, trainer, options).RunAsync(ct);
                }).ToArray();
                var outcomes = await Task.WhenAll(runs).ConfigureAwait(false);
                int completed = outcomes.Count(o => o.Completed);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"simulate: {completed} of {count} participants saw the run complete ({outcomes.Max(o => o.RoundsCompleted)} rounds) in {clock.Elapsed.TotalSeconds:F1} s"));
                return completed == count ? 0 : 1;
            }
            finally
            {
                foreach (var channel in pool)
                {
                    channel.Dispose();
                }
            }
        });
        return command;
    }

    /// <summary>A trainer that never returns from <c>round</c>'s training, after saying so on standard output.</summary>
    private sealed class PausingTrainer(ILocalTrainer inner, string site, int round) : ILocalTrainer
    {
        public SharedLayout Layout => inner.Layout;

        public async Task<LocalUpdate> TrainAsync(ReadOnlyMemory<float> globalShared, TrainingPlan plan, CancellationToken cancellationToken)
        {
            if (plan.Round == round)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{PauseMarker} {site} round {round}"));
                Console.Out.Flush();
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            return await inner.TrainAsync(globalShared, plan, cancellationToken).ConfigureAwait(false);
        }

        public Task<EvaluationSums> EvaluateAsync(ReadOnlyMemory<float> globalShared, CancellationToken cancellationToken) =>
            inner.EvaluateAsync(globalShared, cancellationToken);
    }
}
