using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Models;
using Federated.Federation.Client;
using Federated.Federation.Simulation;
using Federated.Federation.Transport;
using Spectre.Console;

namespace Federated.Coordinator.Encryption;

/// <summary>
/// <c>coordinator bench-round [--rounds 6] [--sizes 1889,1000000] [--participants 4,16]</c>: end-to-end round time,
/// encrypted (rlwe) vs plaintext, through the real coordinator and participant code over loopback h2c, everything
/// in this process. Participants use the deterministic QuadraticTrainer (training costs microseconds), so the
/// figures measure the protocol: tasks, downloads, encryption, uploads, aggregation, collective decryption and the
/// evaluation round. Round 1 (key ceremony, JIT warm-up) is reported separately; the median is over the others.
/// A measured command rather than BenchmarkDotNet: a round spans many tasks, streams and processes' worth of state.
/// </summary>
internal static class BenchRoundCommand
{
    private static readonly string[] Modes = ["none", "rlwe"];

    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds per configuration (the first includes the key ceremony).", DefaultValueFactory = _ => 6 };
        var sizes = new Option<string>("--sizes") { Description = "Model sizes (floats), comma-separated; 1889 = the twin's shared parameters.", DefaultValueFactory = _ => "1889,1000000" };
        var counts = new Option<string>("--participants") { Description = "Participant counts, comma-separated.", DefaultValueFactory = _ => "4,16" };
        var command = new Command("bench-round", "Measure end-to-end federated round time, encrypted vs plaintext, over loopback gRPC.");
        command.Options.Add(rounds);
        command.Options.Add(sizes);
        command.Options.Add(counts);
        command.SetAction(async (ParseResult result, CancellationToken ct) =>
        {
            int n = Math.Max(2, result.GetValue(rounds));
            var table = new Table().AddColumns("model", "sites", "mode", "parameter set", "round 1 s", "median round ms", "ratio", "upload KiB/site", "decrypt ms", "aggregate ms");
            foreach (int size in Parse(result.GetValue(sizes)!))
            {
                foreach (int sites in Parse(result.GetValue(counts)!))
                {
                    double plainMedian = double.NaN;
                    foreach (string mode in Modes)
                    {
                        var m = await MeasureAsync(size, sites, n, mode, ct).ConfigureAwait(false);
                        if (mode == "none")
                        {
                            plainMedian = m.MedianMs;
                        }
                        table.AddRow(size.ToString("N0", CultureInfo.InvariantCulture), sites.ToString(CultureInfo.InvariantCulture), mode, m.ParameterSet,
                            m.FirstSeconds.ToString("F2", CultureInfo.InvariantCulture), m.MedianMs.ToString("F1", CultureInfo.InvariantCulture),
                            (m.MedianMs / plainMedian).ToString("F2", CultureInfo.InvariantCulture), (m.UploadBytesPerSite / 1024.0).ToString("F0", CultureInfo.InvariantCulture),
                            m.DecryptMs.ToString("F1", CultureInfo.InvariantCulture), m.AggregateMs.ToString("F1", CultureInfo.InvariantCulture));
                        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{size} floats, {sites} sites, {mode}: median round {m.MedianMs:F1} ms");
                    }
                }
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static int[] Parse(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();

    private sealed record Measurement(double FirstSeconds, double MedianMs, string ParameterSet, double UploadBytesPerSite, double DecryptMs, double AggregateMs);

    private static async Task<Measurement> MeasureAsync(int size, int sites, int rounds, string mode, CancellationToken ct)
    {
        string outDir = Path.Combine(Path.GetTempPath(), "federated-bench-round-" + Guid.NewGuid().ToString("N"));
        // The twin fits the compact set (one ciphertext chunk); 1 M parameters need the long-lived set (one 45-bit digit each).
        bool large = size > 100_000;
        var settings = new Dictionary<string, string?>
        {
            ["Federation:MinParticipants"] = sites.ToString(CultureInfo.InvariantCulture),
            ["Federation:MinUpdatesPerRound"] = "2",
            ["Federation:Rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
            ["Federation:LocalSteps"] = "2",
            ["Federation:LearningRate"] = "0.1",
            ["Federation:Encryption"] = mode,
            ["Federation:Rlwe:ParameterSet"] = large ? "long-lived" : "compact",
            ["Federation:Rlwe:Clip"] = large ? "16" : "64",
            ["Federation:OutDir"] = outDir,
            ["Federation:MaxUpdateBytes"] = (1L << 30).ToString(CultureInfo.InvariantCulture),
            ["Security:AllowInsecureLoopback"] = "true",
        };
        var source = new SyntheticModelSource(size, "bench");
        var coordinator = await InProcessCoordinator.StartAsync(settings, source, quiet: true, cancellationToken: ct).ConfigureAwait(false);
        Measurement result;
        await using (coordinator.ConfigureAwait(false))
        {
            var channels = Enumerable.Range(0, sites).Select(_ => FederationChannel.Create(coordinator.Address)).ToArray();
            try
            {
                var workers = Enumerable.Range(0, sites).Select(i => new ParticipantWorker(new FederationClient(channels[i].CreateCallInvoker()),
                    new QuadraticTrainer(source.Layout, QuadraticTrainer.Target(size, 1f + (0.1f * i), i), 100 + i),
                    new ParticipantOptions { Coordinator = coordinator.Address, SiteId = "bench-" + i.ToString(CultureInfo.InvariantCulture) })).ToArray();
                await Task.WhenAll(workers.Select(w => w.RunAsync(ct))).ConfigureAwait(false);
                var records = coordinator.Run.Records.Where(r => r.Phase == Rounds.RoundPhase.Completed).ToArray();
                var rest = records.Skip(1).Select(r => r.WallSeconds * 1000).Order().ToArray();
                var later = records.Skip(1).ToArray();
                result = new Measurement(
                    records[0].WallSeconds, rest[rest.Length / 2],
                    mode == "rlwe" ? coordinator.Run.HeParameters.Name : "-",
                    later.Average(r => (double)(r.Encryption?.CiphertextBytesUploaded ?? r.BytesUploaded)) / sites,
                    later.Average(r => (r.Encryption?.DecryptMilliseconds ?? 0) + (r.Encryption?.EvaluationDecryptMilliseconds ?? 0)),
                    later.Average(r => r.Encryption?.AggregateMilliseconds ?? 0));
            }
            finally
            {
                foreach (var channel in channels)
                {
                    channel.Dispose();
                }
            }
        }
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, recursive: true);
        }
        return result;
    }
}
