using System.Diagnostics;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Federation;

/// <summary>Mutable state of one round attempt; guarded by the owning <see cref="FederationRun"/>'s lock.</summary>
internal sealed class RoundContext(ulong round, uint attempt, ulong baseModelVersion, TimeProvider time)
{
    public ulong Round { get; } = round;
    public uint Attempt { get; } = attempt;
    public ulong BaseModelVersion { get; } = baseModelVersion;
    public RoundStateMachine Machine { get; } = new(time);
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
    public HashSet<string> Selected { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ClientUpdate> Updates { get; } = new(StringComparer.Ordinal);
    /// <summary>Accepted idempotency keys → site.</summary>
    public Dictionary<string, string> AcceptedKeys { get; } = new(StringComparer.Ordinal);
    public HashSet<string> EvaluationExpected { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Core.Federation.EvaluationSums> Evaluations { get; } = new(StringComparer.Ordinal);
    public TaskCompletionSource AllUpdates { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource AllEvaluations { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public ulong EvaluationModelVersion { get; set; }
    public long BytesUploaded { get; set; }
    public long BytesDownloaded { get; set; }
    public List<string> Stragglers { get; } = [];
    /// <summary>Key, aggregates and overhead of an encrypted round; null in plaintext runs.</summary>
    public Encryption.EncryptedRoundState? Encrypted { get; set; }
    /// <summary>Running sum of the sites' cohort statistics (fairness); never a single site's values.</summary>
    public double[]? CohortSums { get; set; }
    /// <summary>Sites whose cohort statistics are in <see cref="CohortSums"/>.</summary>
    public int CohortReports { get; set; }
    /// <summary>Why the round has no cohort sums, when it has none.</summary>
    public string? CohortProblem { get; set; }
}
