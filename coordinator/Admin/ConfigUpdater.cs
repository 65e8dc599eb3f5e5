using System.Globalization;
using Federated.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Admin;

/// <summary>
/// Changes the run's settings while it runs (UpdateConfig). Only settings read afresh at every round may change;
/// the whole change is validated with <see cref="FederationOptionsValidator"/> on a copy before the live options
/// are touched, so a rejected request changes nothing.
/// </summary>
internal sealed class ConfigUpdater(IOptions<FederationOptions> options)
{
    private delegate void Setter(FederationOptions target, string value);

    private static readonly Dictionary<string, (Func<FederationOptions, string> Get, Setter Set)> Settings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Rounds"] = (o => Text(o.Rounds), (o, v) => o.Rounds = int.Parse(v, CultureInfo.InvariantCulture)),
        ["MinParticipants"] = (o => Text(o.MinParticipants), (o, v) => o.MinParticipants = int.Parse(v, CultureInfo.InvariantCulture)),
        ["MinUpdatesPerRound"] = (o => Text(o.MinUpdatesPerRound), (o, v) => o.MinUpdatesPerRound = int.Parse(v, CultureInfo.InvariantCulture)),
        ["MaxRoundAttempts"] = (o => Text(o.MaxRoundAttempts), (o, v) => o.MaxRoundAttempts = int.Parse(v, CultureInfo.InvariantCulture)),
        ["RoundDeadline"] = (o => Text(o.RoundDeadline), (o, v) => o.RoundDeadline = TimeSpan.Parse(v, CultureInfo.InvariantCulture)),
        ["EvaluationDeadline"] = (o => Text(o.EvaluationDeadline), (o, v) => o.EvaluationDeadline = TimeSpan.Parse(v, CultureInfo.InvariantCulture)),
        ["ParticipantWaitTimeout"] = (o => Text(o.ParticipantWaitTimeout), (o, v) => o.ParticipantWaitTimeout = TimeSpan.Parse(v, CultureInfo.InvariantCulture)),
        ["LocalSteps"] = (o => Text(o.LocalSteps), (o, v) => o.LocalSteps = int.Parse(v, CultureInfo.InvariantCulture)),
        ["LearningRate"] = (o => Text(o.LearningRate), (o, v) => o.LearningRate = double.Parse(v, CultureInfo.InvariantCulture)),
        ["BatchSize"] = (o => Text(o.BatchSize), (o, v) => o.BatchSize = int.Parse(v, CultureInfo.InvariantCulture)),
    };

    private readonly Lock _gate = new();

    public static IReadOnlyCollection<string> Names => Settings.Keys;

    /// <summary>Applies <paramref name="changes"/>; returns each changed setting's previous and new value. Throws <see cref="ArgumentException"/> naming the setting.</summary>
    public IReadOnlyDictionary<string, (string Previous, string Current)> Apply(IReadOnlyDictionary<string, string> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            throw new ArgumentException("settings: nothing to change");
        }
        lock (_gate)
        {
            var live = options.Value;
            var copy = Copy(live);
            foreach (var (name, value) in changes)
            {
                if (!Settings.TryGetValue(name, out var setting))
                {
                    throw new ArgumentException($"settings[\"{name}\"]: not a setting that can change during a run; allowed: {string.Join(", ", Settings.Keys)}");
                }
                try
                {
                    setting.Set(copy, value);
                }
                catch (Exception ex) when (ex is FormatException or OverflowException)
                {
                    throw new ArgumentException($"settings[\"{name}\"]: \"{value}\" is not a valid value ({ex.Message})", ex);
                }
            }
            var validation = new FederationOptionsValidator().Validate(null, copy);
            if (validation.Failed)
            {
                throw new ArgumentException("settings: " + validation.FailureMessage);
            }
            var result = new SortedDictionary<string, (string, string)>(StringComparer.Ordinal);
            foreach (var name in changes.Keys)
            {
                var (get, set) = Settings[name];
                string canonical = Settings.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
                string previous = get(live);
                set(live, get(copy));
                result[canonical] = (previous, get(live));
            }
            return result;
        }
    }

    private static FederationOptions Copy(FederationOptions o)
    {
        var copy = new FederationOptions
        {
            RunId = o.RunId, MinParticipants = o.MinParticipants, Rounds = o.Rounds, RoundDeadline = o.RoundDeadline,
            EvaluationDeadline = o.EvaluationDeadline, ParticipantWaitTimeout = o.ParticipantWaitTimeout,
            MinUpdatesPerRound = o.MinUpdatesPerRound, MaxRoundAttempts = o.MaxRoundAttempts, LocalSteps = o.LocalSteps,
            LearningRate = o.LearningRate, BatchSize = o.BatchSize, Seed = o.Seed, Strategy = o.Strategy,
            ServerLearningRate = o.ServerLearningRate, Model = o.Model, SyntheticLength = o.SyntheticLength,
            MaxUpdateBytes = o.MaxUpdateBytes, ChunkBytes = o.ChunkBytes, MaxChunkBytes = o.MaxChunkBytes, OutDir = o.OutDir,
            TuneTransport = o.TuneTransport, ExitWhenComplete = o.ExitWhenComplete,
        };
        foreach (var site in o.AllowedSites)
        {
            copy.AllowedSites.Add(site);
        }
        return copy;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
