namespace Federated.Coordinator.Persistence;

/// <summary>
/// Where and whether the coordinator keeps its run state, bound from the "Persistence" section. See
/// docs/operations.md for what is kept and how a restart continues the run.
/// </summary>
internal sealed class PersistenceOptions
{
    public const string SectionName = "Persistence";

    /// <summary>
    /// Keep the run's state in <c>StateDir/coordinator.db</c> (SQLite, WAL) so that a restarted coordinator continues
    /// the run. Default true for <c>serve</c>; the in-process coordinator of the demo, benchmarks and tests turns it
    /// off unless asked.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Directory of coordinator.db. Default: Federation:OutDir (beside the checkpoints it points to).</summary>
    public string? StateDir { get; set; }
}
