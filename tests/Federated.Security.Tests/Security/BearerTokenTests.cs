using System.Security.Cryptography;
using Federated.Coordinator.Security;
using Federated.Federation.Security;

namespace Federated.Security.Tests.Security;

public sealed class BearerTokenTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(FederationRole.Operator)]
    [InlineData(FederationRole.Researcher)]
    public void Verify_FreshToken_Claims(FederationRole role)
    {
        string token = BearerTokens.Issue(Key, "alice", role, Now, Now.AddHours(1));
        Assert.True(BearerTokens.TryVerify(Key, token, Now.AddMinutes(1), out var claims, out string why), why);
        Assert.Equal(("alice", role), (claims!.Name, claims.Role));
    }

    [Fact]
    public void Verify_AnyChangedCharacter_Refused()
    {
        string token = BearerTokens.Issue(Key, "alice", FederationRole.Researcher, Now, Now.AddHours(1));
        for (int i = 0; i < token.Length; i++)
        {
            char replacement = token[i] == 'A' ? 'B' : 'A';
            string tampered = token[..i] + replacement + token[(i + 1)..];
            Assert.False(BearerTokens.TryVerify(Key, tampered, Now, out _, out _), $"position {i}");
        }
    }

    [Fact]
    public void Verify_Expired_RefusedNamingTheExpiry()
    {
        string token = BearerTokens.Issue(Key, "alice", FederationRole.Operator, Now, Now.AddHours(1));
        Assert.False(BearerTokens.TryVerify(Key, token, Now.AddHours(1), out _, out string why));
        Assert.Equal("it expired at 2030-01-01T13:00:00.0000000+00:00", why);
    }

    [Fact]
    public void Verify_OtherKey_RefusedAsSignatureMismatch()
    {
        string token = BearerTokens.Issue(RandomNumberGenerator.GetBytes(32), "alice", FederationRole.Operator, Now, Now.AddHours(1));
        Assert.False(BearerTokens.TryVerify(Key, token, Now, out _, out string why));
        Assert.StartsWith("its signature does not match", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_Participant_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => BearerTokens.Issue(Key, "site-a", FederationRole.Participant, Now, Now.AddHours(1)));
        Assert.StartsWith("participants authenticate with certificates", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fed1.abc")]
    [InlineData("jwt.abc.def")]
    [InlineData("fed1.!!.??")]
    public void Verify_Malformed_Refused(string token)
    {
        Assert.False(BearerTokens.TryVerify(Key, token, Now, out _, out _));
    }
}
