namespace Federated.Coordinator.Security;

/// <summary>Opening state files that a running coordinator and the command line may both write.</summary>
internal static class SharedFiles
{
    /// <summary>
    /// Opens <paramref name="path"/> with no sharing (an exclusive lock on Unix too), retrying for a few seconds
    /// while another process holds it.
    /// </summary>
    public static FileStream OpenExclusive(string path, FileMode mode, FileAccess access)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, mode, access, FileShare.None, 4096, FileOptions.None);
            }
            catch (IOException) when (attempt < 200 && File.Exists(path))
            {
                Thread.Sleep(25);
            }
        }
    }
}
