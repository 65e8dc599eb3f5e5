using System.Globalization;
using Federated.Coordinator.Fairness;
using Federated.Core.Fairness;
using Federated.Federation.Fairness;
using Federated.Federation.V1;
using Google.Protobuf.Collections;
using Grpc.Core;

namespace Federated.Coordinator.Federation;

/// <summary>
/// Fairness statistics of a run: the layout published with every evaluation task, the running sum of the sites'
/// cohort statistics (plaintext runs add each report into it on arrival and keep no per-site copy; encrypted runs only
/// ever see the decrypted aggregate) and the per-round reports computed from those sums. Never log or persist a
/// single site's statistics.
/// </summary>
internal sealed partial class FederationRun
{
    private readonly List<FairnessRoundReport> _fairnessReports = [];
    private CohortLayout? _cohortLayout;
    private FairnessSpec? _fairnessSpec;
    private bool _cohortLayoutBuilt;

    /// <summary>The cohort layout of this run, or null when no cohorts are configured.</summary>
    public CohortLayout? CohortLayout
    {
        get
        {
            lock (_gate)
            {
                if (!_cohortLayoutBuilt)
                {
                    _cohortLayout = _options.Fairness.ToLayout();
                    _fairnessSpec = _cohortLayout?.ToWire();
                    _cohortLayoutBuilt = true;
                }
                return _cohortLayout;
            }
        }
    }

    /// <summary>Entries the sites append to their evaluation statistics (0 without fairness).</summary>
    public int FairnessEntries => CohortLayout?.Length ?? 0;

    private FairnessSpec? FairnessWireSpec => CohortLayout is null ? null : _fairnessSpec;

    /// <summary>The q-FFL terms to ask for in train tasks, or null when the strategy is not q-FFL.</summary>
    private QffSpec? QfflWireSpec => string.Equals(_options.Strategy, "qffl", StringComparison.OrdinalIgnoreCase)
        ? new QffSpec { Q = _options.Qffl.Q, Lipschitz = QFedAvgLipschitz(_options) }
        : null;

    /// <summary>L of q-FFL: the configured one, or 1 / the local learning rate.</summary>
    public static double QFedAvgLipschitz(Options.FederationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Qffl.Lipschitz > 0 ? options.Qffl.Lipschitz : 1.0 / options.LearningRate;
    }

    /// <summary>Fairness reports of the completed rounds so far, in order.</summary>
    public IReadOnlyList<FairnessRoundReport> FairnessReports
    {
        get
        {
            lock (_gate)
            {
                return _fairnessReports.ToArray();
            }
        }
    }

    /// <summary>The report of <paramref name="round"/>, or the latest when 0.</summary>
    public FairnessRoundReport GetFairnessReport(ulong round)
    {
        lock (_gate)
        {
            var report = round == 0 ? _fairnessReports.LastOrDefault() : _fairnessReports.LastOrDefault(r => r.Round == round);
            if (report is not null)
            {
                return report;
            }
        }
        if (CohortLayout is null)
        {
            throw FailPlain(StatusCode.NotFound, "this run reports no fairness statistics: no cohorts are configured (Federation:Fairness:Cohorts)");
        }
        throw round == 0
            ? FailPlain(StatusCode.NotFound, "no round has completed with a fairness report yet")
            : Fail(StatusCode.NotFound, $"round {round} has no fairness report (not completed yet, or its evaluation was not decrypted)");
    }

    /// <summary>Checks a plaintext report's cohort statistics before anything is recorded.</summary>
    private void CheckCohortStatistics(RepeatedField<double> values)
    {
        int expected = FairnessEntries;
        if (values.Count != expected)
        {
            throw Fail(StatusCode.InvalidArgument, $"sums.cohort_statistics: expected {expected} entries (the layout of the evaluate task's fairness spec), got {values.Count}");
        }
        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw Fail(StatusCode.InvalidArgument, $"sums.cohort_statistics[{i}] is not a finite number");
            }
        }
    }

    /// <summary>Adds one plaintext report into the round's running sum; call under the lock. Nothing per site is kept.</summary>
    private static void AddCohortStatistics(RoundContext round, RepeatedField<double> values)
    {
        if (values.Count == 0)
        {
            return;
        }
        round.CohortSums ??= new double[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            round.CohortSums[i] += values[i];
        }
        round.CohortReports++;
    }

    /// <summary>Encrypted runs: the decrypted evaluation statistics (the four sums, then the cohort statistics).</summary>
    public void SetDecryptedCohortStatistics(RoundContext round, IReadOnlyList<double> statistics, long sites)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(statistics);
        int entries = FairnessEntries;
        if (entries == 0)
        {
            return;
        }
        int offset = Federated.Federation.Encryption.AdditiveStatistics.EvaluationEntries;
        lock (_gate)
        {
            if (statistics.Count != offset + entries)
            {
                round.CohortProblem = string.Create(CultureInfo.InvariantCulture, $"the decrypted statistics hold {statistics.Count} entries, {offset + entries} expected");
                return;
            }
            round.CohortSums = statistics.Skip(offset).ToArray();
            round.CohortReports = (int)sites;
        }
    }

    /// <summary>Computes and keeps the report of a completed round; call under the lock.</summary>
    private void RecordFairness(RoundContext round)
    {
        var layout = _cohortLayout;
        if (layout is null || round.Machine.Phase != Rounds.RoundPhase.Completed || round.CohortSums is null)
        {
            if (layout is not null && round.Machine.Phase == Rounds.RoundPhase.Completed)
            {
                LogNoFairness(round.Round, round.CohortProblem ?? "no cohort statistics arrived");
            }
            return;
        }
        var report = FairnessCalculator.Compute(layout, round.CohortSums, _options.Fairness.MinCohortSize, _options.Fairness.MinSitesPerCohort,
            round.Round, round.Attempt, _modelVersion, round.CohortReports);
        _fairnessReports.Add(report);
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Round {Round}: no fairness report ({Reason})")]
    private partial void LogNoFairness(ulong round, string reason);
}
