namespace Federated.Federation.Security;

/// <summary>
/// How a client (participant, operator or researcher tool) authenticates to the coordinator and which CA it trusts.
/// Bound from the "Security" section of the participant's configuration; turned into a <see cref="ChannelSecurity"/>
/// by <see cref="ChannelSecurity.Resolve"/>.
/// </summary>
public sealed class ClientSecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>An identity directory written by <c>coordinator enroll</c> (see <see cref="IdentityFiles"/>); fills the three paths below when they are empty.</summary>
    public string? Identity { get; set; }

    /// <summary>PEM certificate of this client, issued by the consortium CA.</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertificate"/>.</summary>
    public string? ClientKey { get; set; }

    /// <summary>PEM certificate of the consortium CA: the only trust anchor for the coordinator's certificate.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>
    /// Allow an http:// (h2c, unauthenticated, unencrypted) coordinator address, and only on a loopback host. For
    /// tests and benchmarks; logged as a warning. Default false.
    /// </summary>
    public bool AllowInsecureLoopback { get; set; }
}
