using System.Globalization;

namespace Federated.Coordinator.Audit;

/// <summary>The outcome of checking an audit log.</summary>
/// <param name="Entries">Entries that verified before the first break (all of them when intact).</param>
/// <param name="HeadHash">Hash of the last verified entry (the genesis hash for an empty log).</param>
/// <param name="BrokenSeq">The first sequence number at which the log is not intact (the seq expected at the broken line), or null.</param>
/// <param name="BrokenLine">Its line number, 1-based.</param>
/// <param name="Reason">Why it is broken.</param>
internal sealed record AuditVerification(long Entries, string HeadHash, long? BrokenSeq, long? BrokenLine, string? Reason)
{
    public bool Intact => BrokenSeq is null;

    public override string ToString() => Intact
        ? string.Create(CultureInfo.InvariantCulture, $"intact: {Entries} entries, head hash {HeadHash}")
        : string.Create(CultureInfo.InvariantCulture, $"broken at seq {BrokenSeq} (line {BrokenLine}): {Reason}");
}

/// <summary>
/// Checks a hash-chained audit log line by line: each entry must parse strictly, carry the next sequence number,
/// commit to the previous entry's hash, and hash to its stored value. Reports the first entry where any of this fails.
/// </summary>
internal static class AuditVerifier
{
    public static AuditVerification Verify(string path)
    {
        if (!File.Exists(path))
        {
            return new AuditVerification(0, AuditEntry.GenesisHash, 1, 1, $"{path} does not exist");
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return Verify(stream);
    }

    public static AuditVerification Verify(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var data = new MemoryStream();
        stream.CopyTo(data);
        var bytes = data.GetBuffer().AsSpan(0, (int)data.Length);
        string previous = AuditEntry.GenesisHash;
        long expected = 1;
        long line = 0;
        while (bytes.Length > 0)
        {
            line++;
            int newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                return Broken("the last entry is incomplete (no newline): a torn write or a truncated file");
            }
            var text = bytes[..newline];
            bytes = bytes[(newline + 1)..];
            if (!AuditEntry.TryParse(text, out var entry, out string why))
            {
                return Broken(why);
            }
            if (entry!.Seq != expected)
            {
                return Broken(string.Create(CultureInfo.InvariantCulture,
                    $"found seq {entry.Seq} where seq {expected} belongs: an entry was deleted, inserted or reordered"));
            }
            if (!string.Equals(entry.PrevHash, previous, StringComparison.Ordinal))
            {
                return Broken($"prev_hash {entry.PrevHash} does not match the previous entry's hash {previous}");
            }
            string computed = entry.ComputeHash();
            if (!string.Equals(computed, entry.Hash, StringComparison.Ordinal))
            {
                return Broken($"its content does not match its hash (stored {entry.Hash}, computed {computed}): the entry was changed");
            }
            previous = entry.Hash;
            expected++;
        }
        return new AuditVerification(expected - 1, previous, null, null, null);

        AuditVerification Broken(string reason) => new(expected - 1, previous, expected, line, reason);
    }
}
