using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Models;
using Federated.Federation.Client;
using Federated.Federation.Simulation;
using Federated.Federation.Transport;
using Spectre.Console;

namespace Federated.Coordinator.Commands;

/// <summary>
/// <c>coordinator bench-upload [--size-mib 8] [--rounds 12]</c>: measures UploadUpdate of one update over loopback
/// h2c, through the real coordinator and participant code, with default and tuned HTTP/2 settings and two chunk
/// sizes. The first upload of each configuration is a warm-up and not counted.
/// </summary>
internal static class BenchUploadCommand
{
    public static Command Create()
    {
        var size = new Option<int>("--size-mib") { Description = "Update size in MiB.", DefaultValueFactory = _ => 8 };
        var rounds = new Option<int>("--rounds") { Description = "Uploads per configuration and repeat (the first of each is a warm-up).", DefaultValueFactory = _ => 12 };
        var repeats = new Option<int>("--repeats") { Description = "Passes over all configurations, interleaved so that background load hits them alike.", DefaultValueFactory = _ => 3 };
        var command = new Command("bench-upload", "Measure an update's upload time over loopback gRPC, untuned vs tuned HTTP/2.");
        command.Options.Add(size);
        command.Options.Add(rounds);
        command.Options.Add(repeats);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            int mib = result.GetValue(size);
            int n = Math.Max(2, result.GetValue(rounds));
            var table = new Table().AddColumns("transport", "chunk", "uploads", "median ms", "median MB/s", "best MB/s");
            var configurations = new[] { (false, 64), (false, 1024), (true, 64), (true, 1024) };
            var samples = configurations.ToDictionary(c => c, _ => new List<double>());
            for (int pass = 0; pass < Math.Max(1, result.GetValue(repeats)); pass++)
            {
                foreach (var (tuned, chunkKib) in configurations)
                {
                    var times = await MeasureAsync(mib, n, tuned, chunkKib, ct).ConfigureAwait(false);
                    samples[(tuned, chunkKib)].AddRange(times.Skip(1).Select(t => t.TotalMilliseconds));
                }
            }
            foreach (var (tuned, chunkKib) in configurations)
            {
                var ms = samples[(tuned, chunkKib)].Order().ToArray();
                double median = ms[ms.Length / 2];
                double bytes = mib * 1024.0 * 1024.0;
                table.AddRow(tuned ? "tuned" : "default", $"{chunkKib} KiB", ms.Length.ToString(CultureInfo.InvariantCulture),
                    median.ToString("F1", CultureInfo.InvariantCulture),
                    (bytes / 1e6 / (median / 1000)).ToString("F0", CultureInfo.InvariantCulture),
                    (bytes / 1e6 / (ms[0] / 1000)).ToString("F0", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static async Task<IReadOnlyList<TimeSpan>> MeasureAsync(int mib, int uploads, bool tuned, int chunkKib, CancellationToken ct)
    {
        int length = mib * 1024 * 1024 / sizeof(float);
        var source = new SyntheticModelSource(length, "bench");
        var settings = new Dictionary<string, string?>
        {
            ["Federation:MinParticipants"] = "1",
            ["Federation:Rounds"] = uploads.ToString(CultureInfo.InvariantCulture),
            ["Federation:LocalSteps"] = "1",
            ["Federation:LearningRate"] = "0.5",
            ["Federation:TuneTransport"] = tuned ? "true" : "false",
            ["Federation:ChunkBytes"] = (chunkKib * 1024).ToString(CultureInfo.InvariantCulture),
            ["Federation:MaxChunkBytes"] = (4 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
            ["Federation:OutDir"] = Path.Combine(Path.GetTempPath(), "federated-bench-" + Guid.NewGuid().ToString("N")),
            // Transport measurement on loopback: h2c, as in docs/performance.md.
            ["Security:AllowInsecureLoopback"] = "true",
        };
        IReadOnlyList<TimeSpan> times;
        var coordinator = await InProcessCoordinator.StartAsync(settings, source, quiet: true, cancellationToken: ct).ConfigureAwait(false);
        await using (coordinator.ConfigureAwait(false))
        {
            using var channel = FederationChannel.Create(coordinator.Address, tuned);
            var trainer = new QuadraticTrainer(source.Layout, QuadraticTrainer.Target(length, 1f, 0), 100);
            var worker = new ParticipantWorker(new FederationClient(channel.CreateCallInvoker()), trainer,
                new ParticipantOptions { Coordinator = coordinator.Address, SiteId = "bench", TuneTransport = tuned });
            var run = await worker.RunAsync(ct).ConfigureAwait(false);
            times = run.Uploads.Select(u => u.Elapsed).ToArray();
        }
        Directory.Delete(settings["Federation:OutDir"]!, recursive: true);
        return times;
    }
}
