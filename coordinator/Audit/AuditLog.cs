using Federated.Coordinator.Security;

namespace Federated.Coordinator.Audit;

/// <summary>
/// The append-only, hash-chained audit log (STATE/audit.jsonl; format in <see cref="AuditEntry"/>). Each append
/// takes an exclusive lock on the file, reads the last entry to continue the chain (so the coordinator and the
/// command line can both append), writes the whole line with one write and fsyncs before returning. Callers must
/// not put secrets or plaintext updates in <c>details</c>.
/// </summary>
internal sealed class AuditLog
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    public AuditLog(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = time ?? TimeProvider.System;
    }

    public string Path { get; }

    /// <summary>Opens the log of a state directory and checks the whole chain; a broken log is not extended.</summary>
    public static AuditLog OpenVerified(string stateDirectory, TimeProvider? time = null)
    {
        Directory.CreateDirectory(stateDirectory);
        var log = new AuditLog(System.IO.Path.Combine(stateDirectory, CaFiles.Audit), time);
        if (File.Exists(log.Path))
        {
            var check = AuditVerifier.Verify(log.Path);
            if (!check.Intact)
            {
                throw new InvalidDataException($"The audit log {log.Path} is {check}. Refusing to extend it; run `coordinator audit verify --file {log.Path}`.");
            }
        }
        return log;
    }

    public AuditEntry Append(string actor, string action, IReadOnlyDictionary<string, string>? details = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        lock (_gate)
        {
            using var stream = SharedFiles.OpenExclusive(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
            var (seq, hash) = ReadTail(stream);
            var entry = AuditEntry.Create(seq + 1, _time.GetUtcNow(), actor, action, details ?? new Dictionary<string, string>(), hash);
            byte[] line = entry.ToLine();
            var buffer = new byte[line.Length + 1];
            line.CopyTo(buffer, 0);
            buffer[^1] = (byte)'\n';
            stream.Seek(0, SeekOrigin.End);
            stream.Write(buffer);
            stream.Flush(flushToDisk: true);
            return entry;
        }
    }

    /// <summary>Seq and hash of the last entry (0 and the genesis hash for an empty file); the entry must hash correctly.</summary>
    private (long Seq, string Hash) ReadTail(FileStream stream)
    {
        long length = stream.Length;
        if (length == 0)
        {
            return (0, AuditEntry.GenesisHash);
        }
        // Scan backwards for the newline before the last line.
        var tail = new List<byte>();
        var block = new byte[4096];
        long position = length;
        int start = -1;
        while (position > 0 && start < 0)
        {
            int read = (int)Math.Min(block.Length, position);
            position -= read;
            stream.Seek(position, SeekOrigin.Begin);
            stream.ReadExactly(block, 0, read);
            tail.InsertRange(0, block.Take(read));
            // The last byte must be the terminating newline; look for the one before it.
            for (int i = tail.Count - 2; i >= 0 && start < 0; i--)
            {
                if (tail[i] == (byte)'\n')
                {
                    start = i + 1;
                }
            }
        }
        if (tail[^1] != (byte)'\n')
        {
            throw new InvalidDataException($"The audit log {Path} ends with an incomplete entry; run `coordinator audit verify --file {Path}`.");
        }
        var last = tail.Skip(Math.Max(start, 0)).Take(tail.Count - Math.Max(start, 0) - 1).ToArray();
        if (!AuditEntry.TryParse(last, out var entry, out string why) || entry!.ComputeHash() != entry.Hash)
        {
            throw new InvalidDataException($"The last entry of the audit log {Path} is damaged ({(why.Length > 0 ? why : "hash mismatch")}); run `coordinator audit verify --file {Path}`.");
        }
        return (entry.Seq, entry.Hash);
    }
}
