using System.Text;
using Federated.Coordinator.Audit;

namespace Federated.Security.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private const int Entries = 6;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "federated-audit-" + Guid.NewGuid().ToString("N"));
    private readonly string _path;

    public AuditLogTests()
    {
        var log = AuditLog.OpenVerified(_dir);
        _path = log.Path;
        for (int i = 1; i <= Entries; i++)
        {
            log.Append("operator:op", "config.update", new Dictionary<string, string> { ["LocalSteps"] = $"{i} -> {i + 1}", ["run_id"] = "r" });
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Lines() => File.ReadAllLines(_path);

    private void Write(IEnumerable<string> lines) => File.WriteAllText(_path, string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public void Verify_UntouchedLog_IsIntactWithHeadHash()
    {
        var result = AuditVerifier.Verify(_path);
        Assert.True(result.Intact, result.ToString());
        Assert.Equal(Entries, result.Entries);
        Assert.EndsWith("\"hash\":\"" + result.HeadHash + "\"}", Lines()[^1], StringComparison.Ordinal);
    }

    public static TheoryData<int, string, string> FieldChanges()
    {
        var data = new TheoryData<int, string, string>();
        for (int seq = 1; seq <= Entries; seq++)
        {
            data.Add(seq, "\"actor\":\"operator:op\"", "\"actor\":\"operator:eve\"");
            data.Add(seq, "\"action\":\"config.update\"", "\"action\":\"config.updatf\"");
            data.Add(seq, "\"run_id\":\"r\"", "\"run_id\":\"x\"");
            data.Add(seq, "\"time\":\"2", "\"time\":\"1");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FieldChanges))]
    public void Verify_ChangedField_BrokenAtThatSeq(int seq, string from, string to)
    {
        var lines = Lines();
        Assert.Contains(from, lines[seq - 1], StringComparison.Ordinal);
        lines[seq - 1] = lines[seq - 1].Replace(from, to, StringComparison.Ordinal);
        Write(lines);
        var result = AuditVerifier.Verify(_path);
        Assert.Equal(seq, result.BrokenSeq);
        Assert.Contains("does not match its hash", result.Reason, StringComparison.Ordinal);
        Assert.Equal(seq - 1, result.Entries);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void Verify_DeletedEntry_BrokenAtItsSeq(int seq)
    {
        Write(Lines().Where((_, i) => i != seq - 1));
        var result = AuditVerifier.Verify(_path);
        Assert.Equal(seq, result.BrokenSeq);
        Assert.Equal($"found seq {seq + 1} where seq {seq} belongs: an entry was deleted, inserted or reordered", result.Reason);
    }

    [Fact]
    public void Verify_DeletedLastEntry_ChangesTheHeadHash()
    {
        string head = AuditVerifier.Verify(_path).HeadHash;
        Write(Lines()[..^1]);
        var result = AuditVerifier.Verify(_path);
        // A truncated tail verifies on its own; only a head hash recorded elsewhere reveals it (docs/security.md).
        Assert.True(result.Intact);
        Assert.NotEqual(head, result.HeadHash);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Verify_ReorderedEntries_BrokenAtTheFirstMovedSeq(int seq)
    {
        var lines = Lines();
        (lines[seq - 1], lines[seq]) = (lines[seq], lines[seq - 1]);
        Write(lines);
        Assert.Equal(seq, AuditVerifier.Verify(_path).BrokenSeq);
    }

    [Fact]
    public void Verify_RenumberedAndRehashedEntry_BrokenAtTheNextEntry()
    {
        // Rewriting entry 3 consistently (new content, recomputed hash) still breaks entry 4's prev_hash.
        var lines = Lines();
        Assert.True(AuditEntry.TryParse(Encoding.UTF8.GetBytes(lines[2]), out var entry, out _));
        var forged = AuditEntry.Create(entry!.Seq, entry.Time, "operator:eve", entry.Action, entry.Details, entry.PrevHash);
        lines[2] = Encoding.UTF8.GetString(forged.ToLine());
        Write(lines);
        var result = AuditVerifier.Verify(_path);
        Assert.Equal(4, result.BrokenSeq);
        Assert.StartsWith("prev_hash ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TornLastLine_Broken()
    {
        File.WriteAllText(_path, File.ReadAllText(_path)[..^10]);
        var result = AuditVerifier.Verify(_path);
        Assert.Equal(Entries, result.BrokenSeq);
    }

    [Fact]
    public void OpenVerified_TamperedLog_RefusesToExtendIt()
    {
        var lines = Lines();
        lines[1] = lines[1].Replace("operator:op", "operator:eve", StringComparison.Ordinal);
        Write(lines);
        var ex = Assert.Throws<InvalidDataException>(() => AuditLog.OpenVerified(_dir));
        Assert.Contains("broken at seq 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_TwoWritersOnOneFile_KeepOneChain()
    {
        var other = new AuditLog(_path);
        var mine = new AuditLog(_path);
        Parallel.For(0, 40, i => (i % 2 == 0 ? other : mine).Append("cli:test", "identity.revoke", new Dictionary<string, string> { ["name"] = "n" + i }));
        var result = AuditVerifier.Verify(_path);
        Assert.True(result.Intact, result.ToString());
        Assert.Equal(Entries + 40, result.Entries);
    }
}
