using Federated.Coordinator.Options;

namespace Federated.Coordinator.Persistence;

/// <summary>Registration of the coordinator's state store.</summary>
internal static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PersistenceOptions"/> ("Persistence") and, when enabled, registers the <see cref="RunStore"/>
    /// of <c>Persistence:StateDir</c> (default <c>Federation:OutDir</c>), which the run restores itself from.
    /// </summary>
    public static IServiceCollection AddCoordinatorPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var persistence = configuration.GetSection(PersistenceOptions.SectionName).Get<PersistenceOptions>() ?? new PersistenceOptions();
        services.AddOptions<PersistenceOptions>().BindConfiguration(PersistenceOptions.SectionName);
        if (persistence.Enabled)
        {
            services.AddSingleton(sp =>
            {
                var federation = configuration.GetSection(FederationOptions.SectionName).Get<FederationOptions>() ?? new FederationOptions();
                string directory = string.IsNullOrWhiteSpace(persistence.StateDir) ? federation.OutDir : persistence.StateDir;
                return RunStore.Open(directory, sp.GetRequiredService<TimeProvider>());
            });
        }
        return services;
    }
}
