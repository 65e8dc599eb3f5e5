using System.Runtime.InteropServices;

namespace Federated.Coordinator.Persistence;

/// <summary>
/// Crash-safe file replacement: the content goes to a temporary file in the target's directory, is flushed to disk
/// (fsync), then renamed over the target, and the directory itself is fsynced so the rename survives a power cut.
/// A reader (or a restarted coordinator) sees the old file or the new one, never a torn one; a leftover
/// <c>.NAME.*.tmp</c> from a crash is removed by <see cref="RemoveLeftovers"/>.
/// </summary>
internal static class DurableFile
{
    private const string TempSuffix = ".tmp";

    /// <param name="path">Target file.</param>
    /// <param name="content">New content.</param>
    /// <param name="beforeRename">Runs after the temporary file is on disk and before the rename (test hook).</param>
    /// <param name="cancellationToken">Cancels before the rename.</param>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, Func<Task>? beforeRename, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + TempSuffix);
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            if (beforeRename is not null)
            {
                await beforeRename().ConfigureAwait(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite: true);
            SyncDirectory(directory);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Deletes temporary files a crash left in <paramref name="directory"/>; returns how many.</summary>
    public static int RemoveLeftovers(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "." + "*" + TempSuffix))
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>fsync of a directory, so a rename inside it is durable (a no-op where the OS has no such call).</summary>
    private static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        int fd = NativeMethods.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }
        try
        {
            _ = NativeMethods.Fsync(fd);
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "open")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Close(int fd);
    }
}
