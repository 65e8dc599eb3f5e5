using System.Text.Json.Serialization;

namespace Federated.Core.Data.Generation;

/// <summary>Settings of <see cref="SiteDataGenerator"/>, with their defaults.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Number of sites (participants), 1–99.</summary>
    public int Sites { get; init; } = 3;

    /// <summary>Buildings per site, at least 5 (so the under-represented age can be strictly the rarest).</summary>
    public int BuildingsPerSite { get; init; } = 12;

    public int TrainDays { get; init; } = 42;

    /// <summary>Days of the test period, which directly follows the train period.</summary>
    public int TestDays { get; init; } = 14;

    /// <summary>Year of the first recorded hour (the weather is a typical year, so any year works).</summary>
    public int Year { get; init; } = 2010;

    /// <summary>1-based day of year of the first recorded hour (00:00 UTC); 1 = January, heating season.</summary>
    public int StartDayOfYear { get; init; } = 1;

    /// <summary>Seed of every random choice: same seed, same files.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Standard deviation of the Gaussian noise on recorded indoor temperatures, K.</summary>
    public double IndoorNoiseStdDevK { get; init; } = 0.1;

    /// <summary>
    /// Imbalance: the share of a site's buildings in its under-represented building age (rounded, at least one
    /// building). The other two ages share the rest.
    /// </summary>
    public double UnderRepresentedShare { get; init; } = 0.08;

    /// <summary>Each site's outdoor temperatures are the weather file's plus an offset drawn from ±this, K.</summary>
    public double OutdoorOffsetRangeK { get; init; } = 1.5;

    /// <summary>Whether an existing non-empty output directory is replaced (else it is an error).</summary>
    public bool Overwrite { get; init; }

    [JsonIgnore]
    public int TotalDays => TrainDays + TestDays;

    /// <summary>Buildings of the under-represented age at each site.</summary>
    [JsonIgnore]
    public int UnderRepresentedCount => Math.Max(1, (int)Math.Round(UnderRepresentedShare * BuildingsPerSite, MidpointRounding.AwayFromZero));

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Require(Sites is >= 1 and <= 99, nameof(Sites), "must be between 1 and 99");
        Require(BuildingsPerSite is >= 5 and <= 100_000, nameof(BuildingsPerSite), "must be between 5 and 100000");
        Require(TrainDays >= 1, nameof(TrainDays), "must be at least 1");
        Require(TestDays >= 1, nameof(TestDays), "must be at least 1");
        Require(TotalDays <= 3650, nameof(TestDays), "train plus test days must be at most 3650");
        Require(Year is >= 1971 and <= 2200, nameof(Year), "must be between 1971 and 2200");
        Require(StartDayOfYear is >= 1 and <= 365, nameof(StartDayOfYear), "must be between 1 and 365");
        Require(double.IsFinite(IndoorNoiseStdDevK) && IndoorNoiseStdDevK is >= 0 and <= 5, nameof(IndoorNoiseStdDevK), "must be between 0 and 5 K");
        Require(double.IsFinite(UnderRepresentedShare) && UnderRepresentedShare is > 0 and < 1.0 / 3, nameof(UnderRepresentedShare), "must be above 0 and below 1/3");
        int rest = BuildingsPerSite - UnderRepresentedCount;
        Require(rest >= 2 * (UnderRepresentedCount + 1), nameof(UnderRepresentedShare),
            $"leaves {UnderRepresentedCount} of {BuildingsPerSite} buildings in the under-represented age, too many for it to be the rarest");
        Require(double.IsFinite(OutdoorOffsetRangeK) && OutdoorOffsetRangeK is >= 0 and <= 10, nameof(OutdoorOffsetRangeK), "must be between 0 and 10 K");
    }

    private static void Require(bool condition, string name, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"GeneratorOptions.{name} {rule}.", name);
        }
    }
}
