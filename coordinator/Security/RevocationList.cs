using System.Globalization;
using System.Text;
using System.Text.Json;
using Federated.Federation.Security;

namespace Federated.Coordinator.Security;

/// <summary>One revoked identity.</summary>
internal sealed record Revocation(string Name, DateTimeOffset RevokedAt, string Actor, string Reason);

/// <summary>
/// Revoked identity names, kept in STATE/revocations.jsonl (one JSON object per line, appended and fsynced).
/// <see cref="Find"/> runs on every call and rereads the file when its size changed, so a revocation written by
/// another process (<c>coordinator revoke</c>) applies to the revoked identity's next call without a restart.
/// A revocation covers every certificate and token of that name.
/// </summary>
internal sealed class RevocationList
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private Dictionary<string, Revocation> _revoked = new(StringComparer.Ordinal);
    private long _loadedLength = -1;
    private DateTime _loadedWrite;

    public RevocationList(string stateDirectory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        Path = System.IO.Path.Combine(stateDirectory, CaFiles.Revocations);
        _time = time ?? TimeProvider.System;
    }

    public string Path { get; }

    /// <summary>The revocation of <paramref name="name"/>, or null.</summary>
    public Revocation? Find(string name)
    {
        lock (_gate)
        {
            Refresh();
            return _revoked.GetValueOrDefault(name);
        }
    }

    public IReadOnlyList<Revocation> All()
    {
        lock (_gate)
        {
            Refresh();
            return _revoked.Values.OrderBy(r => r.RevokedAt).ToArray();
        }
    }

    /// <summary>Revokes <paramref name="name"/>; false when it already was.</summary>
    public bool Revoke(string name, string actor, string reason)
    {
        if (!IdentityUri.IsValidName(name))
        {
            throw new ArgumentException($"identity name \"{name}\" is invalid: use 1-64 characters from [A-Za-z0-9._-]", nameof(name));
        }
        lock (_gate)
        {
            Refresh();
            if (_revoked.ContainsKey(name))
            {
                return false;
            }
            var revocation = new Revocation(name, _time.GetUtcNow(), actor, reason);
            var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("revoked_at", revocation.RevokedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                json.WriteString("actor", actor);
                json.WriteString("reason", reason);
                json.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            using (var stream = SharedFiles.OpenExclusive(Path, FileMode.Append, FileAccess.Write))
            {
                stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
                stream.Flush(flushToDisk: true);
            }
            _revoked[name] = revocation;
            return true;
        }
    }

    private void Refresh()
    {
        var info = new FileInfo(Path);
        long length = info.Exists ? info.Length : 0;
        var written = info.Exists ? info.LastWriteTimeUtc : default;
        if (length == _loadedLength && written == _loadedWrite)
        {
            return;
        }
        var revoked = new Dictionary<string, Revocation>(StringComparer.Ordinal);
        if (info.Exists)
        {
            using var stream = SharedFiles.OpenExclusive(Path, FileMode.Open, FileAccess.Read);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            int lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var root = doc.RootElement;
                    string name = root.GetProperty("name").GetString() ?? "";
                    var at = DateTimeOffset.Parse(root.GetProperty("revoked_at").GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    revoked.TryAdd(name, new Revocation(name, at, root.GetProperty("actor").GetString() ?? "", root.GetProperty("reason").GetString() ?? ""));
                }
                catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
                {
                    // Fail closed: a damaged revocation list must not silently re-admit anybody.
                    throw new InvalidDataException($"{Path} line {lineNumber} is not a revocation record: {ex.Message}", ex);
                }
            }
        }
        _revoked = revoked;
        _loadedLength = length;
        _loadedWrite = written;
    }
}
