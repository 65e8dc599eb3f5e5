using Federated.Coordinator.Options;

namespace Federated.Federation.Tests.Coordinator;

public class FederationOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new FederationOptionsValidator().Validate(null, new FederationOptions()).Succeeded);
    }

    [Fact]
    public void Validate_InvalidValues_NameEachSetting()
    {
        var options = new FederationOptions { MinParticipants = 0, ChunkBytes = 8192, MaxChunkBytes = 4096, Strategy = "median" };

        var result = new FederationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Federation:MinParticipants must be at least 1 (got 0).",
                "Federation:Strategy \"median\" is unknown; supported: fedavg, fedadam, fedyogi, qffl.",
                "Federation:MinParticipants must be at least 2 with Federation:Encryption=rlwe (got 0): a sum of one is that site's data.",
                "Federation:MaxChunkBytes (4096) must be at least Federation:ChunkBytes (8192).",
            ],
            result.Failures!);
    }
}
