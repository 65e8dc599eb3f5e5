using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Federated.Core.Runtime;

/// <summary>
/// Repairs TorchSharp's native loading as soon as this assembly loads, so that no code path can reach a tensor
/// before <see cref="TorchRuntime.Initialize"/>: TorchSharp caches a failed first load for the life of the process.
/// </summary>
internal static class NativeLibraryBootstrap
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The ModuleInitializer attribute should not be used in libraries",
        Justification = "Loading must be fixed before any TorchSharp type initialises, whichever entry point the host uses.")]
    internal static void Run()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                LibStdCxxCompatibility.EnsureLoadable(TorchRuntime.NativeDirectory(), TorchRuntime.ShimLibrary, TorchRuntime.MissingVersion,
                    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            }
            catch (TorchUnavailableException)
            {
                // Reported with its full message by TorchRuntime.Initialize, where a caller can handle it.
            }
        }
    }
}
