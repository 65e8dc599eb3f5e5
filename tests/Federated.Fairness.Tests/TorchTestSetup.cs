using System.Runtime.CompilerServices;
using Federated.Core.Runtime;

namespace Federated.Fairness.Tests;

internal static class TorchTestSetup
{
    // The integration tests train twins; fail loudly first if the natives cannot load.
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.Initialize();
}
