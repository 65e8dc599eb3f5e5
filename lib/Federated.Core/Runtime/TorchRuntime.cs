using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Federated.Core.Runtime;

/// <summary>
/// Makes TorchSharp usable before the first tensor is created and picks the device.
/// Call <see cref="Initialize"/> once at start-up; it is idempotent and thread-safe.
/// </summary>
public static class TorchRuntime
{
    internal const string ShimLibrary = "libLibTorchSharp.so";
    internal const string MissingVersion = "GLIBCXX_3.4.32";

    private static readonly Lock Gate = new();
    private static torch.Device? s_device;

    /// <summary>The device chosen by <see cref="Initialize"/> (CUDA when available, else CPU).</summary>
    public static torch.Device Device => s_device ?? Initialize();

    /// <summary>Loads the native library (repairing it on old libstdc++ when needed) and chooses the device.</summary>
    /// <exception cref="TorchUnavailableException">TorchSharp cannot be loaded; the message says why and how to fix it.</exception>
    public static torch.Device Initialize(ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        lock (Gate)
        {
            if (s_device is not null)
            {
                return s_device;
            }
            if (OperatingSystem.IsLinux())
            {
                LibStdCxxCompatibility.EnsureLoadable(NativeDirectory(), ShimLibrary, MissingVersion, logger);
            }
            try
            {
                bool cuda = torch.cuda.is_available();
                s_device = cuda ? torch.CUDA : torch.CPU;
                logger.LogInformation("TorchSharp {Version} ready on {Device}{Detail}", typeof(torch).Assembly.GetName().Version,
                    cuda ? "CUDA" : "CPU", cuda ? $" ({torch.cuda.device_count()} device(s))" : $" ({torch.get_num_threads()} threads)");
                return s_device;
            }
            catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or NotSupportedException)
            {
                throw new TorchUnavailableException(
                    $"TorchSharp could not initialise: {ex.GetBaseException().Message} " +
                    $"Check that the libtorch natives were restored into '{NativeDirectory()}' (package libtorch-cpu-linux-x64).", ex);
            }
        }
    }

    /// <summary>Where the SDK copies TorchSharp's natives for this runtime identifier.</summary>
    internal static string NativeDirectory() =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64", "native");
}
