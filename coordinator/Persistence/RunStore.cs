using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Persistence;

/// <summary>A checkpoint the store points to: the global model after <see cref="Round"/>.</summary>
internal sealed record CheckpointRow(ulong ModelVersion, ulong Round, uint Attempt, string Path, string Sha256, long Bytes);

/// <summary>One round attempt as stored.</summary>
internal sealed record RoundRow(ulong Round, uint Attempt, string Phase, ulong BaseModelVersion, bool ModelCommitted, string? Record, string? FailureReason);

/// <summary>What a restarted coordinator finds in its state directory.</summary>
internal sealed record StoredRun(
    string RunId,
    string Layout,
    string Status,
    string? StatusReason,
    uint LastKeyEpoch,
    CheckpointRow? Latest,
    IReadOnlyList<RoundRow> Rounds);

/// <summary>
/// The coordinator's durable state in <c>STATE/coordinator.db</c>: SQLite in WAL mode with <c>synchronous=FULL</c>,
/// one transaction per state change, so that a <c>kill -9</c> at any moment leaves either the state before a change
/// or the state after it. It holds the run's identity and configuration, participants (site ids and join times, never
/// tokens), round attempts with their phase and aggregate metrics, checkpoints as path + SHA-256, the last key epoch
/// of encrypted runs, the run's status and an event log. It never holds an update, a key, a ciphertext, a session
/// token or a per-site statistic. Schema in docs/operations.md.
/// </summary>
internal sealed class RunStore : IDisposable
{
    public const string FileName = "coordinator.db";
    private const int SchemaVersion = 1;

    private static readonly string[] Schema =
    [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS participants (
            site_id TEXT PRIMARY KEY,
            first_joined_at TEXT NOT NULL,
            last_joined_at TEXT NOT NULL,
            joins INTEGER NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS rounds (
            round INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            phase TEXT NOT NULL,
            base_model_version INTEGER NOT NULL,
            selected TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            model_committed INTEGER NOT NULL DEFAULT 0,
            record TEXT NULL,
            failure_reason TEXT NULL,
            PRIMARY KEY (round, attempt))
        """,
        """
        CREATE TABLE IF NOT EXISTS checkpoints (
            model_version INTEGER PRIMARY KEY,
            round INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            written_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            round INTEGER NULL,
            attempt INTEGER NULL,
            detail TEXT NOT NULL)
        """,
    ];

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;

    private RunStore(string path, SqliteConnection connection, TimeProvider time)
    {
        Path = path;
        _connection = connection;
        _time = time;
    }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating if needed) the store of <paramref name="stateDirectory"/>.</summary>
    public static RunStore Open(string stateDirectory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        Directory.CreateDirectory(stateDirectory);
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(stateDirectory, FileName));
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, null, "PRAGMA journal_mode=WAL");
            Execute(connection, null, "PRAGMA synchronous=FULL");
            Execute(connection, null, "PRAGMA busy_timeout=5000");
            using (var tx = connection.BeginTransaction())
            {
                foreach (var sql in Schema)
                {
                    Execute(connection, tx, sql);
                }
                string? version = Scalar(connection, tx, "SELECT value FROM meta WHERE key = 'schema_version'");
                if (version is null)
                {
                    Execute(connection, tx, "INSERT INTO meta (key, value) VALUES ('schema_version', $v)", ("$v", SchemaVersion.ToString(CultureInfo.InvariantCulture)));
                }
                else if (version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
                {
                    throw new InvalidDataException($"{path} has schema version {version}; this coordinator reads version {SchemaVersion}.");
                }
                tx.Commit();
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return new RunStore(path, connection, time ?? TimeProvider.System);
    }

    /// <summary>The stored run, or null when the directory holds none yet.</summary>
    public StoredRun? Load()
    {
        lock (_gate)
        {
            string? runId = Meta("run_id");
            if (runId is null)
            {
                return null;
            }
            CheckpointRow? latest = null;
            using (var cmd = Command(null, "SELECT model_version, round, attempt, path, sha256, bytes FROM checkpoints ORDER BY model_version DESC LIMIT 1"))
            using (var reader = cmd.ExecuteReader())
            {
                if (reader.Read())
                {
                    latest = new CheckpointRow((ulong)reader.GetInt64(0), (ulong)reader.GetInt64(1), (uint)reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5));
                }
            }
            var rounds = new List<RoundRow>();
            using (var cmd = Command(null, "SELECT round, attempt, phase, base_model_version, model_committed, record, failure_reason FROM rounds ORDER BY round, attempt"))
            using (var reader = cmd.ExecuteReader())
            {
                while (reader.Read())
                {
                    rounds.Add(new RoundRow((ulong)reader.GetInt64(0), (uint)reader.GetInt64(1), reader.GetString(2), (ulong)reader.GetInt64(3),
                        reader.GetInt64(4) != 0, reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
                }
            }
            return new StoredRun(runId, Meta("layout") ?? "", Meta("status") ?? RunStatus.Running, Meta("status_reason"),
                uint.Parse(Meta("last_key_epoch") ?? "0", CultureInfo.InvariantCulture), latest, rounds);
        }
    }

    /// <summary>Records the run's identity (first start) and the configuration of this start.</summary>
    public void Initialize(string runId, string layout, string configurationJson, bool restarted)
    {
        InTransaction(tx =>
        {
            if (Meta("run_id", tx) is null)
            {
                SetMeta(tx, "run_id", runId);
                SetMeta(tx, "layout", layout);
                SetMeta(tx, "created_at", Now());
                SetMeta(tx, "status", RunStatus.Running);
            }
            SetMeta(tx, "configuration", configurationJson);
            Event(tx, restarted ? "coordinator.restart" : "run.create", null, null, restarted ? "continuing run " + runId : "run " + runId + ", layout " + layout);
        });
    }

    /// <summary>A site joined (or re-joined).</summary>
    public void RecordJoin(string siteId)
    {
        string now = Now();
        InTransaction(tx =>
        {
            Execute(_connection, tx, """
                INSERT INTO participants (site_id, first_joined_at, last_joined_at, joins) VALUES ($s, $t, $t, 1)
                ON CONFLICT (site_id) DO UPDATE SET last_joined_at = excluded.last_joined_at, joins = joins + 1
                """, ("$s", siteId), ("$t", now));
        });
    }

    /// <summary>A round attempt entered <paramref name="phase"/> (inserted on its first phase).</summary>
    public void RecordPhase(ulong round, uint attempt, ulong baseModelVersion, string phase, IEnumerable<string>? selected = null)
    {
        string now = Now();
        string? sites = selected is null ? null : string.Join(",", selected.Order(StringComparer.Ordinal));
        InTransaction(tx =>
        {
            Execute(_connection, tx, """
                INSERT INTO rounds (round, attempt, phase, base_model_version, selected, started_at, updated_at) VALUES ($r, $a, $p, $b, COALESCE($s, ''), $t, $t)
                ON CONFLICT (round, attempt) DO UPDATE SET phase = excluded.phase, updated_at = excluded.updated_at,
                    selected = CASE WHEN $s IS NULL THEN selected ELSE $s END
                """, ("$r", (long)round), ("$a", (long)attempt), ("$p", phase), ("$b", (long)baseModelVersion), ("$s", sites), ("$t", now));
            Event(tx, "round.phase", round, attempt, phase + (sites is null ? "" : " (" + sites + ")"));
        });
    }

    /// <summary>
    /// The global model after <paramref name="round"/> is on disk (written atomically) with this hash: from now on
    /// the round counts as completed and is never re-run; <paramref name="record"/> holds its metrics so far.
    /// </summary>
    public void CommitCheckpoint(ulong round, uint attempt, ulong modelVersion, string path, string sha256, long bytes, string record)
    {
        string now = Now();
        InTransaction(tx =>
        {
            Execute(_connection, tx, "INSERT OR REPLACE INTO checkpoints (model_version, round, attempt, path, sha256, bytes, written_at) VALUES ($v, $r, $a, $p, $h, $n, $t)",
                ("$v", (long)modelVersion), ("$r", (long)round), ("$a", (long)attempt), ("$p", path), ("$h", sha256), ("$n", bytes), ("$t", now));
            Execute(_connection, tx, "UPDATE rounds SET model_committed = 1, record = $j, updated_at = $t WHERE round = $r AND attempt = $a",
                ("$j", record), ("$t", now), ("$r", (long)round), ("$a", (long)attempt));
            Event(tx, "checkpoint.commit", round, attempt, string.Create(CultureInfo.InvariantCulture, $"model version {modelVersion}, {bytes} bytes, sha256 {sha256}"));
        });
    }

    /// <summary>A round attempt ended (Completed or Failed) with these metrics.</summary>
    public void RecordOutcome(ulong round, uint attempt, ulong baseModelVersion, string phase, string record, string? failureReason)
    {
        string now = Now();
        InTransaction(tx =>
        {
            Execute(_connection, tx, """
                INSERT INTO rounds (round, attempt, phase, base_model_version, started_at, updated_at, record, failure_reason) VALUES ($r, $a, $p, $b, $t, $t, $j, $f)
                ON CONFLICT (round, attempt) DO UPDATE SET phase = excluded.phase, updated_at = excluded.updated_at, record = excluded.record, failure_reason = excluded.failure_reason
                """, ("$r", (long)round), ("$a", (long)attempt), ("$p", phase), ("$b", (long)baseModelVersion), ("$t", now), ("$j", record), ("$f", failureReason));
            Event(tx, phase == "Completed" ? "round.completed" : "round.failed", round, attempt, failureReason ?? "");
        });
    }

    /// <summary>Attempts a restart interrupted: finished as Completed (model committed) or Failed, with the reason.</summary>
    public void CloseInterrupted(IEnumerable<(ulong Round, uint Attempt, string Phase, string? Record, string? Reason)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        InTransaction(tx =>
        {
            foreach (var row in rows)
            {
                Execute(_connection, tx, "UPDATE rounds SET phase = $p, record = COALESCE($j, record), failure_reason = $f, updated_at = $t WHERE round = $r AND attempt = $a",
                    ("$p", row.Phase), ("$j", row.Record), ("$f", row.Reason), ("$t", Now()), ("$r", (long)row.Round), ("$a", (long)row.Attempt));
                Event(tx, "round.interrupted", row.Round, row.Attempt, row.Reason ?? "closed as " + row.Phase);
            }
        });
    }

    /// <summary>An encrypted run started key ceremony <paramref name="epoch"/> (epochs are never reused after a restart).</summary>
    public void RecordKeyEpoch(uint epoch) => InTransaction(tx =>
    {
        SetMeta(tx, "last_key_epoch", epoch.ToString(CultureInfo.InvariantCulture));
        Event(tx, "key.ceremony", null, null, "epoch " + epoch.ToString(CultureInfo.InvariantCulture));
    });

    /// <summary>The run's status (see <see cref="RunStatus"/>) and why.</summary>
    public void SetStatus(string status, string reason) => InTransaction(tx =>
    {
        SetMeta(tx, "status", status);
        SetMeta(tx, "status_reason", reason);
        Event(tx, "run." + status, null, null, reason);
    });

    /// <summary>Appends to the event log.</summary>
    public void AppendEvent(string kind, string detail, ulong? round = null, uint? attempt = null) =>
        InTransaction(tx => Event(tx, kind, round, attempt, detail));

    /// <summary>Number of rows in <paramref name="table"/> (tests and tools).</summary>
    public long Count(string table)
    {
        if (table is not ("participants" or "rounds" or "checkpoints" or "events"))
        {
            throw new ArgumentOutOfRangeException(nameof(table), table, "unknown table");
        }
        lock (_gate)
        {
            return long.Parse(Scalar(_connection, null, "SELECT COUNT(*) FROM " + table) ?? "0", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reads a checkpoint's payload and checks its size and SHA-256 against the store.</summary>
    public static byte[] ReadVerified(CheckpointRow checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (!File.Exists(checkpoint.Path))
        {
            throw new InvalidDataException($"Checkpoint {checkpoint.Path} of model version {checkpoint.ModelVersion} is missing.");
        }
        byte[] payload = File.ReadAllBytes(checkpoint.Path);
        string actual = Convert.ToHexStringLower(SHA256.HashData(payload));
        if (payload.Length != checkpoint.Bytes || !string.Equals(actual, checkpoint.Sha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Checkpoint {checkpoint.Path} of model version {checkpoint.ModelVersion} does not verify: expected {checkpoint.Bytes} bytes with sha256 {checkpoint.Sha256}, found {payload.Length} bytes with sha256 {actual}."));
        }
        return payload;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }

    private void InTransaction(Action<SqliteTransaction> body)
    {
        lock (_gate)
        {
            using var tx = _connection.BeginTransaction();
            body(tx);
            tx.Commit();
        }
    }

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private void Event(SqliteTransaction tx, string kind, ulong? round, uint? attempt, string detail) =>
        Execute(_connection, tx, "INSERT INTO events (at, kind, round, attempt, detail) VALUES ($t, $k, $r, $a, $d)",
            ("$t", Now()), ("$k", kind), ("$r", round is null ? null : (long)round.Value), ("$a", attempt is null ? null : (long)attempt.Value), ("$d", detail));

    private string? Meta(string key, SqliteTransaction? tx = null) => Scalar(_connection, tx, "SELECT value FROM meta WHERE key = $k", ("$k", key));

    private void SetMeta(SqliteTransaction tx, string key, string value) =>
        Execute(_connection, tx, "INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", ("$k", key), ("$v", value));

    private SqliteCommand Command(SqliteTransaction? tx, string sql)
    {
        var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        cmd.ExecuteNonQuery();
    }

    private static string? Scalar(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return cmd.ExecuteScalar() switch
        {
            null or DBNull => null,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        };
    }
}

/// <summary>Values of the run's stored status.</summary>
internal static class RunStatus
{
    /// <summary>Rounds are being run (or were, when the coordinator died): a restart continues.</summary>
    public const string Running = "running";
    /// <summary>The run stopped short (quorum not reached, attempts used up, shutdown): a restart continues.</summary>
    public const string Paused = "paused";
    /// <summary>All rounds completed: a restart only answers with the final model.</summary>
    public const string Completed = "completed";
    /// <summary>An operator stopped the run (StopRun): a restart does not continue it.</summary>
    public const string Stopped = "stopped";
}
