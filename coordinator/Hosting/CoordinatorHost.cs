using Federated.Coordinator.Federation;
using Federated.Coordinator.Options;
using Federated.Coordinator.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Federated.Coordinator.Hosting;

/// <summary>Builds the coordinator web application; used by <c>serve</c>, the demo, benchmarks and tests.</summary>
internal static class CoordinatorHost
{
    /// <summary>
    /// Configuration precedence, lowest first: appsettings.json (beside the binary), environment, command line,
    /// <paramref name="configFile"/>, environment, command line, <paramref name="overrides"/>.
    /// </summary>
    public static WebApplication Build(
        string[] args,
        string? configFile = null,
        IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (configFile is not null)
        {
            string full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"Configuration file {full} does not exist.", full);
            }
            builder.Configuration.AddJsonFile(full, optional: false, reloadOnChange: false);
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddCommandLine(args);
        }
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }
        var federation = builder.Configuration.GetSection(FederationOptions.SectionName).Get<FederationOptions>() ?? new FederationOptions();
        builder.WebHost.ConfigureKestrel(k => k.ConfigureCoordinatorKestrel(federation.TuneTransport));
        builder.Services.AddCoordinator(builder.Configuration);
        builder.AddCoordinatorSecurity();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapCoordinator();
        return app;
    }

    /// <summary>The addresses Kestrel bound (with the real port when port 0 was asked for); call after start.</summary>
    public static IReadOnlyList<Uri> BoundAddresses(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        return feature?.Addresses.Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal))).ToArray() ?? [];
    }

    public static FederationRun GetFederationRun(this WebApplication app) => app.Services.GetRequiredService<FederationRun>();
}
