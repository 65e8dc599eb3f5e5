using System.Globalization;
using Federated.Coordinator.Federation;
using Federated.Federation.Client;
using Spectre.Console;

namespace Federated.Coordinator.Encryption;

/// <summary>One round's encryption overhead next to its training time (demo output and report.json).</summary>
/// <param name="Round">Round number.</param>
/// <param name="TrainMilliseconds">Mean local training time per site.</param>
/// <param name="EncryptMilliseconds">Mean time per site to encode and encrypt its update (0 in plaintext runs).</param>
/// <param name="UploadBytes">Update payload bytes received by the coordinator (ciphertexts, or float32).</param>
/// <param name="AggregateMilliseconds">Coordinator time adding ciphertexts (updates and evaluation sums).</param>
/// <param name="DecryptMilliseconds">Wall time of the two collective decryptions (update and evaluation aggregates), shares included.</param>
/// <param name="ShareMilliseconds">Mean time per decrypting site to compute its shares.</param>
/// <param name="KeyCeremonySeconds">Key ceremony before the round (0 when the key was reused).</param>
/// <param name="RoundSeconds">Wall time of the round.</param>
internal sealed record RoundOverhead(
    ulong Round, double TrainMilliseconds, double EncryptMilliseconds, long UploadBytes, double AggregateMilliseconds,
    double DecryptMilliseconds, double ShareMilliseconds, double KeyCeremonySeconds, double RoundSeconds)
{
    /// <summary>Combines the coordinator's records (completed rounds) with what the participants measured.</summary>
    public static IReadOnlyList<RoundOverhead> From(IReadOnlyList<RoundRecord> records, IReadOnlyList<ParticipantWorker> workers)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(workers);
        var rows = new List<RoundOverhead>();
        foreach (var r in records.Where(r => r.Phase == Rounds.RoundPhase.Completed))
        {
            double Mean(IEnumerable<double> xs) => xs.DefaultIfEmpty(0).Average();
            var train = workers.Select(w => w.TrainingMilliseconds.TryGetValue(r.Round, out var ms) ? ms : double.NaN).Where(double.IsFinite);
            var timings = workers.Select(w => w.EncryptionState?.Timings.FirstOrDefault(t => t.Round == r.Round)).OfType<Federated.Federation.Encryption.EncryptionTiming>().ToArray();
            var e = r.Encryption;
            rows.Add(new RoundOverhead(
                r.Round, Mean(train), Mean(timings.Select(t => t.EncryptMilliseconds)),
                e?.CiphertextBytesUploaded ?? r.BytesUploaded, e?.AggregateMilliseconds ?? 0,
                (e?.DecryptMilliseconds ?? 0) + (e?.EvaluationDecryptMilliseconds ?? 0),
                Mean(timings.Where(t => t.ShareMilliseconds > 0).Select(t => t.ShareMilliseconds)),
                e?.KeyCeremonySeconds ?? 0, r.WallSeconds));
        }
        return rows;
    }

    /// <summary>The table the demo prints.</summary>
    public static Table Render(IReadOnlyList<RoundOverhead> rows, string encryption)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = new Table().Border(TableBorder.Rounded)
            .Title(string.Create(CultureInfo.InvariantCulture, $"Per-round encryption overhead (encryption: {encryption})"))
            .AddColumns("Round", "Train ms/site", "Encrypt ms/site", "Upload KiB", "Aggregate ms", "Decrypt ms", "Share ms/site", "Key ceremony s", "Round s");
        foreach (var r in rows)
        {
            string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
            table.AddRow(
                r.Round.ToString(CultureInfo.InvariantCulture), F(r.TrainMilliseconds, "F0"), F(r.EncryptMilliseconds, "F1"), F(r.UploadBytes / 1024.0, "F0"),
                F(r.AggregateMilliseconds, "F2"), F(r.DecryptMilliseconds, "F1"), F(r.ShareMilliseconds, "F1"), F(r.KeyCeremonySeconds, "F2"), F(r.RoundSeconds, "F2"));
        }
        return table;
    }
}
