using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Federated.Coordinator.Audit;

/// <summary>
/// One line of the audit log. <see cref="Hash"/> = SHA-256 (lower-case hex) of the entry's canonical encoding: the
/// UTF-8 JSON object <c>{"seq":N,"time":"…","actor":"…","action":"…","details":{…},"prev_hash":"…"}</c> with
/// exactly these members in this order, details sorted by key (ordinal) with string values, no whitespace, and
/// System.Text.Json's default escaping. The stored line is that object with <c>"hash"</c> appended as the last member.
/// The first entry's <see cref="PrevHash"/> is 64 zeros.
/// </summary>
internal sealed record AuditEntry(long Seq, DateTimeOffset Time, string Actor, string Action, IReadOnlyDictionary<string, string> Details, string PrevHash, string Hash)
{
    public static readonly string GenesisHash = new('0', 64);

    public static AuditEntry Create(long seq, DateTimeOffset time, string actor, string action, IReadOnlyDictionary<string, string> details, string prevHash)
    {
        var sorted = new SortedDictionary<string, string>(details.ToDictionary(), StringComparer.Ordinal);
        var entry = new AuditEntry(seq, time.ToUniversalTime(), actor, action, sorted, prevHash, "");
        return entry with { Hash = entry.ComputeHash() };
    }

    /// <summary>Time as stored: UTC, round-trip format with 7 fractional digits.</summary>
    public string TimeText => Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public string ComputeHash() => Convert.ToHexStringLower(SHA256.HashData(Encode(includeHash: false)));

    /// <summary>The stored line (without the newline).</summary>
    public byte[] ToLine() => Encode(includeHash: true);

    private byte[] Encode(bool includeHash)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("seq", Seq);
            json.WriteString("time", TimeText);
            json.WriteString("actor", Actor);
            json.WriteString("action", Action);
            json.WriteStartObject("details");
            foreach (var (key, value) in Details.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
            json.WriteString("prev_hash", PrevHash);
            if (includeHash)
            {
                json.WriteString("hash", Hash);
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static readonly string[] Members = ["seq", "time", "actor", "action", "details", "prev_hash", "hash"];

    /// <summary>Parses a stored line strictly (exact members in order, exact types); <paramref name="why"/> says what is wrong.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out AuditEntry? entry, out string why)
    {
        entry = null;
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                why = "the line is not a JSON object";
                return false;
            }
            var names = root.EnumerateObject().Select(p => p.Name).ToArray();
            if (!names.SequenceEqual(Members, StringComparer.Ordinal))
            {
                why = $"its members are [{string.Join(", ", names)}], expected [{string.Join(", ", Members)}]";
                return false;
            }
            var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.GetProperty("details").EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String || !details.TryAdd(property.Name, property.Value.GetString()!))
                {
                    why = $"details.{property.Name} is not a unique string";
                    return false;
                }
            }
            string timeText = root.GetProperty("time").GetString() ?? "";
            if (!DateTimeOffset.TryParseExact(timeText, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                why = $"time \"{timeText}\" is not yyyy-MM-ddTHH:mm:ss.fffffffZ";
                return false;
            }
            entry = new AuditEntry(
                root.GetProperty("seq").GetInt64(), time,
                root.GetProperty("actor").GetString() ?? throw new InvalidOperationException("actor is null"),
                root.GetProperty("action").GetString() ?? throw new InvalidOperationException("action is null"),
                details,
                root.GetProperty("prev_hash").GetString() ?? throw new InvalidOperationException("prev_hash is null"),
                root.GetProperty("hash").GetString() ?? throw new InvalidOperationException("hash is null"));
            why = "";
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            why = "the line is not a valid entry: " + ex.Message;
            return false;
        }
    }
}
