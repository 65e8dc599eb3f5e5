namespace Federated.Core.Data.Generation;

/// <summary>The cohort columns and values the generator uses.</summary>
public static class CohortValues
{
    public const string BuildingAge = "building_age";
    public const string IncomeTier = "income_tier";

    public const string Pre1950 = "pre1950";
    public const string From1950To1990 = "1950to1990";
    public const string Post1990 = "post1990";

    public const string LowIncome = "low";
    public const string MiddleIncome = "middle";
    public const string HighIncome = "high";

    public static IReadOnlyList<string> Columns { get; } = [BuildingAge, IncomeTier];
    public static IReadOnlyList<string> Ages { get; } = [Pre1950, From1950To1990, Post1990];
    public static IReadOnlyList<string> IncomeTiers { get; } = [LowIncome, MiddleIncome, HighIncome];
}
