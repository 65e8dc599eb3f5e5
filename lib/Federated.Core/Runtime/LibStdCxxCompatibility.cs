using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Federated.Core.Runtime;

/// <summary>
/// TorchSharp 0.107's native shim is linked against GCC 13's libstdc++ and so names GLIBCXX_3.4.32, which Debian 12
/// (GCC 12) lacks. It only names it for <c>std::ios_base_library_init</c>, a symbol GCC 13 headers reference to pull
/// in the newer library and that nothing calls (the shim has no relocation against it). Marking that one version
/// requirement weak lets the loader accept the library with the system libstdc++; nothing else changes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class LibStdCxxCompatibility
{
    public static void EnsureLoadable(string directory, string fileName, string version, ILogger logger)
    {
        string path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            return; // Not restored next to the app (e.g. a custom deployment): TorchSharp's own lookup applies.
        }
        string? firstError = TryLoad(path);
        if (firstError is null)
        {
            return; // The system libstdc++ is new enough: do nothing.
        }
        if (!firstError.Contains(version, StringComparison.Ordinal))
        {
            throw new TorchUnavailableException($"Cannot load TorchSharp's native library '{path}': {firstError}");
        }

        logger.LogInformation("The system libstdc++ lacks {Version}; marking that requirement weak in {Path}", version, path);
        PatchInPlace(path, version);
        string? secondError = TryLoad(path);
        if (secondError is not null)
        {
            throw new TorchUnavailableException(
                $"Cannot load TorchSharp's native library '{path}' even after relaxing its {version} requirement: {secondError} " +
                "Install a libstdc++ from GCC 13 or later (e.g. Debian 13, Ubuntu 24.04) or use a TorchSharp build linked against an older one.");
        }
    }

    private static string? TryLoad(string path)
    {
        try
        {
            NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Rewrites the file atomically: concurrent processes either see the old or the patched file.</summary>
    private static void PatchInPlace(string path, string version)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var result = ElfVersionNeedPatcher.MakeWeak(bytes, version);
        if (result != ElfVersionNeedPatcher.Result.Patched)
        {
            return; // Already weak or not required: the load failure has another cause, reported by the caller.
        }
        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new TorchUnavailableException(
                $"TorchSharp's native library '{path}' needs {version}, which this system's libstdc++ lacks, and the file cannot be " +
                $"rewritten to relax that requirement ({ex.Message}). Run once with write access to '{Path.GetDirectoryName(path)}', " +
                "or install a libstdc++ from GCC 13 or later.", ex);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
