using Federated.Core.Runtime;

namespace Federated.Core.Tests.Runtime;

public class ElfVersionNeedPatcherTests
{
    // The project runs on Linux (its natives are linux-x64). Any shared object of the running .NET needs some GLIBC_2.x version; libSystem.Native.so is always there on Linux.
    private static byte[] SystemNative() =>
        File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "libSystem.Native.so"));

    [Fact]
    public void MakeWeak_RequiredVersion_PatchesOnceThenReportsAlreadyWeak()
    {
        var elf = SystemNative();
        var original = (byte[])elf.Clone();

        Assert.Equal(ElfVersionNeedPatcher.Result.Patched, ElfVersionNeedPatcher.MakeWeak(elf, "GLIBC_2.2.5"));
        Assert.Equal(ElfVersionNeedPatcher.Result.AlreadyWeak, ElfVersionNeedPatcher.MakeWeak(elf, "GLIBC_2.2.5"));
        Assert.Equal(1, elf.Zip(original).Count(p => p.First != p.Second));
    }

    [Fact]
    public void MakeWeak_VersionNotRequired_ChangesNothing()
    {
        var elf = SystemNative();
        var original = (byte[])elf.Clone();

        Assert.Equal(ElfVersionNeedPatcher.Result.NotRequired, ElfVersionNeedPatcher.MakeWeak(elf, "GLIBC_99.0"));
        Assert.Equal(original, elf);
    }

    [Fact]
    public void MakeWeak_NotElf_Throws()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MakeWeak(new byte[128], "GLIBC_2.2.5"));
        Assert.Contains("bad magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MakeWeak_TruncatedElf_ThrowsInsteadOfReadingPastTheEnd()
    {
        var elf = SystemNative().AsSpan(0, 4096).ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MakeWeak(elf, "GLIBC_2.2.5"));
        Assert.Contains("past the end", ex.Message, StringComparison.Ordinal);
    }
}
