namespace Federated.Core.Twin;

/// <summary>Shape and training settings of the building twin. Defaults are what the demo and tests use.</summary>
public sealed record TwinOptions
{
    /// <summary>Hours rolled out per training window and the lead time of evaluation forecasts.</summary>
    public int Horizon { get; init; } = 24;

    /// <summary>Width of the two hidden layers of the shared neural correction.</summary>
    public int HiddenWidth { get; init; } = 32;

    /// <summary>
    /// Feature-hashing buckets for cohort values (fixed so the shared layout never depends on a site's vocabulary).
    /// 64 keeps collisions rare for the handful of values a consortium uses; <see cref="TwinFeatures.Collisions"/> names any.
    /// </summary>
    public int CohortBuckets { get; init; } = 64;

    /// <summary>Weight of the physics residual (mean squared departure from the RC dynamics, K²/h²).</summary>
    public double PhysicsWeight { get; init; } = 0.05;

    /// <summary>Nameplate HVAC efficiency; η is only observable relative to C, so a weak prior anchors its scale.</summary>
    public double NameplateEfficiency { get; init; } = 0.9;

    /// <summary>Standard deviation of the efficiency prior.</summary>
    public double EfficiencyPriorStd { get; init; } = 0.05;

    /// <summary>Learning rate of the site-local physical parameters (Adam on their unconstrained form).</summary>
    public double PhysicsLearningRate { get; init; } = 0.05;

    /// <summary>Steps that refit the site's physical parameters to a newly received global network before it is used.</summary>
    public int PersonalisationSteps { get; init; } = 150;

    /// <summary>
    /// Fairness-aware local training: draw training windows with probability inversely proportional to the local
    /// frequency of their building's cohort (all cohort columns together), so each local cohort weighs the same in the
    /// loss. Default false (uniform windows).
    /// </summary>
    public bool CohortReweighting { get; init; }

    public void Validate()
    {
        if (Horizon is < 1 or > 24 * 14) throw new ArgumentOutOfRangeException(nameof(Horizon), Horizon, "Horizon must be 1..336 hours.");
        if (HiddenWidth is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(HiddenWidth), HiddenWidth, "HiddenWidth must be 1..1024.");
        if (CohortBuckets is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(CohortBuckets), CohortBuckets, "CohortBuckets must be 1..1024.");
        if (PhysicsWeight < 0 || !double.IsFinite(PhysicsWeight)) throw new ArgumentOutOfRangeException(nameof(PhysicsWeight), PhysicsWeight, "PhysicsWeight must be finite and ≥ 0.");
        if (NameplateEfficiency is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(NameplateEfficiency), NameplateEfficiency, "NameplateEfficiency must be in (0, 1].");
        if (EfficiencyPriorStd <= 0) throw new ArgumentOutOfRangeException(nameof(EfficiencyPriorStd), EfficiencyPriorStd, "EfficiencyPriorStd must be > 0.");
        if (PersonalisationSteps < 0) throw new ArgumentOutOfRangeException(nameof(PersonalisationSteps), PersonalisationSteps, "PersonalisationSteps must be ≥ 0.");
        if (PhysicsLearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(PhysicsLearningRate), PhysicsLearningRate, "PhysicsLearningRate must be > 0.");
    }
}
