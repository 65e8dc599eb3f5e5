using Federated.Core.Runtime;
using TorchSharp;

namespace Federated.Core.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void Initialize_LoadsNativesAndComputes()
    {
        var device = TorchRuntime.Initialize();
        using var x = torch.arange(1, 5, dtype: torch.float32, device: device);
        using var sum = x.sum();
        Assert.Equal(10f, sum.item<float>());
    }
}
