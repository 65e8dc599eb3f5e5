using Federated.Core.Federation;
using Federated.Federation.Security;
using Federated.Federation.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Federated.Federation.Client;

/// <summary>How the hosted participant's run ended; read by the command after the host stops.</summary>
public sealed class ParticipantRunOutcome
{
    public ParticipantRunResult? Result { get; internal set; }
    public Exception? Error { get; internal set; }
}

/// <summary>
/// Runs a <see cref="ParticipantWorker"/> inside the Generic Host and stops the application when the run ends
/// (or fails). Honours the host's stopping token.
/// </summary>
public sealed class ParticipantBackgroundService(
    IOptions<ParticipantOptions> options,
    IOptions<ClientSecurityOptions> security,
    ILocalTrainer trainer,
    ParticipantRunOutcome outcome,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        try
        {
            using var channelSecurity = ChannelSecurity.Resolve(security.Value, o.Coordinator!, loggerFactory.CreateLogger<ChannelSecurity>());
            using var channel = FederationChannel.Create(o.Coordinator!, o.TuneTransport, loggerFactory: loggerFactory, security: channelSecurity);
            // Every call goes through the resilience pipelines; a lost coordinator is reconnected to (docs/operations.md).
            var resilience = new Resilience.ParticipantResilience(o.Resilience, loggerFactory.CreateLogger<Resilience.ParticipantResilience>());
            var worker = new ParticipantWorker(new FederationClient(channel.CreateCallInvoker(), resilience), trainer, o, loggerFactory.CreateLogger<ParticipantWorker>());
            outcome.Result = await worker.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: nothing to report.
        }
#pragma warning disable CA1031 // Reported to the command, which prints it and sets the exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            outcome.Error = ex;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}

/// <summary>Registration of a hosted participant.</summary>
public static class ParticipantServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ParticipantOptions"/> from "Participant" (validated on start) and runs the participant as
    /// a hosted service with the registered <see cref="ILocalTrainer"/>.
    /// </summary>
    public static IServiceCollection AddParticipant(this IServiceCollection services)
    {
        services.AddOptions<ParticipantOptions>().BindConfiguration(ParticipantOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ParticipantOptions>, ParticipantOptionsValidator>();
        services.AddOptions<ClientSecurityOptions>().BindConfiguration(ClientSecurityOptions.SectionName);
        services.AddSingleton<ParticipantRunOutcome>();
        services.AddHostedService<ParticipantBackgroundService>();
        return services;
    }
}
