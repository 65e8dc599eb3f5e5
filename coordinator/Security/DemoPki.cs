using Federated.Federation.Security;
using Federated.Federation.Transport;
using Grpc.Net.Client;

namespace Federated.Coordinator.Security;

/// <summary>
/// An ephemeral consortium for the demo (and tests): a fresh CA in DIR (also the coordinator's state directory, so
/// DIR/audit.jsonl is the run's audit log), a server certificate for 127.0.0.1 and localhost, and one participant
/// identity per site in DIR/sites/SITE. Channels made here speak mutual TLS with the site's certificate.
/// </summary>
internal sealed class DemoPki : IDisposable
{
    private readonly List<GrpcChannel> _channels = [];
    private readonly List<ChannelSecurity> _securities = [];

    private DemoPki(string directory) => Directory = directory;

    public string Directory { get; }

    public static DemoPki Create(string directory, IEnumerable<string> siteIds)
    {
        ArgumentNullException.ThrowIfNull(siteIds);
        string full = Path.GetFullPath(directory);
        if (System.IO.Directory.Exists(full))
        {
            System.IO.Directory.Delete(full, recursive: true);
        }
        using var ca = ConsortiumCa.Init(full, "Federated demo CA (ephemeral)", TimeSpan.FromDays(2), overwrite: true);
        var server = ca.IssueServer(["127.0.0.1", "localhost"], TimeSpan.FromDays(1));
        using (server.Certificate)
        {
            ConsortiumCa.WritePublic(Path.Combine(full, CaFiles.ServerCertificate), server.CertificatePem);
            ConsortiumCa.WriteSecret(Path.Combine(full, CaFiles.ServerKey), server.PrivateKeyPem!);
        }
        foreach (var site in siteIds)
        {
            var issued = ca.IssueClient(site, FederationRole.Participant, TimeSpan.FromDays(1));
            using (issued.Certificate)
            {
                string dir = SiteDirectory(full, site);
                System.IO.Directory.CreateDirectory(dir);
                ConsortiumCa.WritePublic(Path.Combine(dir, IdentityFiles.Certificate), issued.CertificatePem);
                ConsortiumCa.WriteSecret(Path.Combine(dir, IdentityFiles.Key), issued.PrivateKeyPem!);
                ConsortiumCa.WritePublic(Path.Combine(dir, IdentityFiles.CaCertificate), ca.Certificate.ExportCertificatePem());
            }
        }
        return new DemoPki(full);
    }

    public static string SiteDirectory(string directory, string siteId) => Path.Combine(directory, "sites", siteId);

    /// <summary>A mutual-TLS channel to <paramref name="address"/> as <paramref name="siteId"/>; disposed with this object.</summary>
    public GrpcChannel Channel(string siteId, Uri address)
    {
        var security = ChannelSecurity.FromIdentityDirectory(SiteDirectory(Directory, siteId));
        _securities.Add(security);
        var channel = FederationChannel.Create(address, security: security);
        _channels.Add(channel);
        return channel;
    }

    public void Dispose()
    {
        _channels.ForEach(c => c.Dispose());
        _securities.ForEach(s => s.Dispose());
    }
}
