using Federated.Core.Data;
using Federated.Core.Data.Generation;
using Federated.Core.Federation;
using Federated.Core.Twin;

namespace Federated.Coordinator.Demo;

/// <summary>One generated site of the demo: its data split at the manifest's split hour and its federated trainer.</summary>
internal sealed class DemoSite : IDisposable
{
    private DemoSite(SiteManifest manifest, SiteDataset train, SiteDataset test, TwinTrainer trainer)
    {
        Manifest = manifest;
        Train = train;
        Test = test;
        Trainer = trainer;
    }

    public SiteManifest Manifest { get; }
    public string SiteId => Manifest.Name;
    public SiteDataset Train { get; }
    public SiteDataset Test { get; }
    public TwinTrainer Trainer { get; }

    /// <summary>Buildings of the cohort this site under-represents.</summary>
    public bool InUnderRepresentedCohort(BuildingSeries building) =>
        building.Cohorts.TryGetValue(Manifest.UnderRepresentedColumn, out var value) && value == Manifest.UnderRepresentedValue;

    public string CohortLabel => Manifest.UnderRepresentedColumn + "=" + Manifest.UnderRepresentedValue;

    public static async Task<DemoSite> LoadAsync(GeneratedFederation federation, SiteManifest site, TwinOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(federation);
        ArgumentNullException.ThrowIfNull(site);
        var data = await SiteCsvReader.ReadAsync(Path.Combine(federation.OutputDirectory, site.File), federation.Manifest.CohortColumns, ct).ConfigureAwait(false);
        var (train, test) = data.SplitAt(federation.Manifest.SplitHour);
        return new DemoSite(site, train, test, new TwinTrainer(train, test, options));
    }

    /// <summary>Test-period errors on the under-represented cohort of the four models compared by the demo.</summary>
    public SiteComparisonSums Compare(float[] federatedModel, float[] initialModel, TrainingPlan localOnlyPlan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(localOnlyPlan);
        Trainer.AdoptGlobal(federatedModel, ct);
        var federated = Trainer.Forecast(Test, ct).Errors(InUnderRepresentedCohort);

        using var untrained = new TwinTrainer(Train, Test, Trainer.Options);
        TwinSharedModel.Load(untrained.Twin.Correction, initialModel);
        var untrainedSums = untrained.Forecast(Test, ct).Errors(InUnderRepresentedCohort);

        var persistence = SiteForecast.Persistence(Test, Trainer.Options.Horizon).Errors(InUnderRepresentedCohort);

        using var alone = new TwinTrainer(Train, Test, Trainer.Options);
        alone.Train(initialModel, localOnlyPlan, progress: null, ct);
        var aloneSums = alone.Forecast(Test, ct).Errors(InUnderRepresentedCohort);
        return new SiteComparisonSums(federated, untrainedSums, persistence, aloneSums);
    }

    public void Dispose() => Trainer.Dispose();
}

/// <summary>Error sums behind one row of the demo's comparison.</summary>
internal sealed record SiteComparisonSums(EvaluationSums Federated, EvaluationSums Untrained, EvaluationSums Persistence, EvaluationSums LocalOnly);
