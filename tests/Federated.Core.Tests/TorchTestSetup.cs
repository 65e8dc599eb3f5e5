using System.Runtime.CompilerServices;
using Federated.Core.Runtime;

namespace Federated.Core.Tests;

internal static class TorchTestSetup
{
    // Tests create tensors directly; make sure the natives are loadable (and loudly fail if not) before any of them.
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.Initialize();
}
