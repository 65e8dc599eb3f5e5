using Federated.Core.Federation;
using Federated.Federation.V1;

namespace Federated.Federation;

/// <summary>Conversions between the wire messages and the model-side types of <c>Federated.Core</c>.</summary>
public static class WireConversions
{
    public static ModelLayout ToWire(this SharedLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new ModelLayout { Name = layout.Name, Version = checked((uint)layout.Version), Length = checked((ulong)layout.Length) };
    }

    public static SharedLayout ToCore(this ModelLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new SharedLayout(layout.Name, checked((int)layout.Version), checked((int)layout.Length));
    }

    /// <summary>"name/vN (L floats)" for messages, the same text as <see cref="SharedLayout.ToString"/>.</summary>
    public static string Describe(this ModelLayout? layout) =>
        layout is null ? "(none)" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{layout.Name}/v{layout.Version} ({layout.Length} floats)");

    public static V1.EvaluationSums ToWire(this Core.Federation.EvaluationSums sums)
    {
        ArgumentNullException.ThrowIfNull(sums);
        return new V1.EvaluationSums
        {
            Count = sums.Count,
            SumSquaredError = sums.SumSquaredError,
            SumAbsoluteError = sums.SumAbsoluteError,
            SumError = sums.SumError,
        };
    }

    public static Core.Federation.EvaluationSums ToCore(this V1.EvaluationSums sums)
    {
        ArgumentNullException.ThrowIfNull(sums);
        return new Core.Federation.EvaluationSums(sums.Count, sums.SumSquaredError, sums.SumAbsoluteError, sums.SumError);
    }

    public static Core.Federation.TrainingPlan ToCore(this V1.TrainingPlan plan, int round)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new Core.Federation.TrainingPlan(round, checked((int)plan.LocalSteps), plan.LearningRate, checked((int)plan.BatchSize), plan.Seed);
    }
}
