using Microsoft.AspNetCore.Server.Kestrel.Core;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Federation;
using Federated.Coordinator.Models;
using Federated.Coordinator.Options;
using Federated.Coordinator.Persistence;
using Federated.Coordinator.Reporting;
using Federated.Coordinator.Services;
using Federated.Core.Twin;
using Federated.Federation.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Hosting;

/// <summary>Registration of the coordinator's services and endpoints.</summary>
internal static class CoordinatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the federation run, its runner, the aggregation strategy, gRPC (with health checks and reflection)
    /// and <see cref="FederationOptions"/> bound from "Federation" and validated on start. A previously
    /// registered <see cref="IGlobalModelSource"/> wins over the one <c>Federation:Model</c> names.
    /// </summary>
    public static IServiceCollection AddCoordinator(this IServiceCollection services, IConfiguration configuration)
    {
        var federation = configuration.GetSection(FederationOptions.SectionName).Get<FederationOptions>() ?? new FederationOptions();
        services.AddOptions<FederationOptions>().BindConfiguration(FederationOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FederationOptions>, FederationOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGlobalModelSource>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<FederationOptions>>().Value;
            return o.Model == "synthetic" ? new SyntheticModelSource(o.SyntheticLength) : new TwinModelSource(new TwinOptions());
        });
        services.TryAddSingleton<IAggregationStrategy>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<FederationOptions>>().Value;
            return o.Strategy.ToLowerInvariant() switch
            {
                "fedadam" => new FedAdamStrategy(o.ServerLearningRate, o.ServerBeta1, o.ServerBeta2, o.ServerTau),
                "fedyogi" => new FedYogiStrategy(o.ServerLearningRate, o.ServerBeta1, o.ServerBeta2, o.ServerTau),
                "qffl" => new QFedAvgStrategy(FederationRun.QFedAvgLipschitz(o)),
                _ => new FedAvgStrategy(o.ServerLearningRate),
            };
        });
        services.AddCoordinatorPersistence(configuration);
        services.AddSingleton<FederationRun>();
        services.AddSingleton<CheckpointWriter>();
        services.AddSingleton<FederationRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<FederationRunner>());

        services.AddGrpc(o =>
        {
            // A chunk plus its framing must pass gRPC's own limit so the service can answer an oversized chunk
            // with its precise RESOURCE_EXHAUSTED message naming the protocol limit.
            o.MaxReceiveMessageSize = federation.MaxChunkBytes + Http2Tuning.MessageOverheadBytes;
            o.MaxSendMessageSize = federation.MaxChunkBytes + Http2Tuning.MessageOverheadBytes;
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks()
            .AddCheck<FederationHealthCheck>("federation");
        return services;
    }

    /// <summary>Kestrel: HTTP/2 only (h2c without TLS) on every endpoint, with tuned windows when asked.</summary>
    public static void ConfigureCoordinatorKestrel(this KestrelServerOptions kestrel, bool tune)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
        if (tune)
        {
            kestrel.Limits.Http2.InitialConnectionWindowSize = Http2Tuning.ConnectionWindowBytes;
            kestrel.Limits.Http2.InitialStreamWindowSize = Http2Tuning.StreamWindowBytes;
            kestrel.Limits.Http2.MaxFrameSize = Http2Tuning.MaxFrameBytes;
        }
    }

    public static WebApplication MapCoordinator(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<FederationService>();
        app.MapGrpcService<FederationAdminService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}

/// <summary>Healthy while the run goes on or completed; unhealthy when it ended without completing.</summary>
internal sealed class FederationHealthCheck(FederationRun run) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ended = run.Ended;
        if (ended.IsCompletedSuccessfully && !ended.Result.Completed)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("run ended: " + ended.Result.Reason));
        }
        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
