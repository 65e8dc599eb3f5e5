using Federated.Coordinator.Federation;
using Federated.Coordinator.Models;

namespace Federated.Coordinator.Hosting;

/// <summary>A coordinator started inside this process on 127.0.0.1 with an ephemeral port (demo, benchmarks, tests).</summary>
internal sealed class InProcessCoordinator : IAsyncDisposable
{
    private InProcessCoordinator(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    /// <summary>https://127.0.0.1:PORT, or http://127.0.0.1:PORT (h2c) with Security:AllowInsecureLoopback.</summary>
    public Uri Address { get; }

    public FederationRun Run => App.GetFederationRun();

    /// <summary>
    /// Starts a coordinator with <paramref name="settings"/> (configuration keys such as "Federation:Rounds");
    /// <paramref name="modelSource"/> replaces the configured initial model when given.
    /// <paramref name="quiet"/> drops all logging providers (for live console displays).
    /// </summary>
    public static async Task<InProcessCoordinator> StartAsync(
        IReadOnlyDictionary<string, string?> settings,
        IGlobalModelSource? modelSource = null,
        bool quiet = false,
        Action<WebApplicationBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        bool insecure = settings.TryGetValue("Security:AllowInsecureLoopback", out var flag) && bool.TryParse(flag, out var allow) && allow;
        var all = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase) { ["Urls"] = insecure ? "http://127.0.0.1:0" : "https://127.0.0.1:0" };
        // The demo, benchmarks and most tests run one-off federations: no state store unless asked for.
        all.TryAdd("Persistence:Enabled", "false");
        var app = CoordinatorHost.Build([], null, all, builder =>
        {
            if (modelSource is not null)
            {
                builder.Services.AddSingleton(modelSource);
            }
            if (quiet)
            {
                builder.Logging.ClearProviders();
            }
            configure?.Invoke(builder);
        });
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var addresses = app.BoundAddresses();
        var address = addresses.Count > 0 ? addresses[0] : throw new InvalidOperationException("Kestrel bound no address.");
        return new InProcessCoordinator(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await App.DisposeAsync().ConfigureAwait(false);
        }
    }
}
