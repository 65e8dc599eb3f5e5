namespace Federated.Coordinator.Options;

/// <summary>
/// Configuration of a federation run, bound from the "Federation" section (appsettings.json, then
/// <c>--config federation.json</c>, then environment variables <c>Federation__Rounds=…</c>, then the command line).
/// Validated at start by <see cref="FederationOptionsValidator"/>.
/// </summary>
internal sealed class FederationOptions
{
    public const string SectionName = "Federation";

    /// <summary>Identifier of the run; a new one per start when empty.</summary>
    public string RunId { get; set; } = "";

    /// <summary>Participants that must be connected (watching tasks) before a round starts. Default 2.</summary>
    public int MinParticipants { get; set; } = 2;

    /// <summary>Rounds to complete. Default 10.</summary>
    public int Rounds { get; set; } = 10;

    /// <summary>Time from sending the train tasks until the round closes for uploads. Default 5 minutes.</summary>
    public TimeSpan RoundDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time from sending the evaluate tasks until evaluation reports are no longer awaited. Default 2 minutes.</summary>
    public TimeSpan EvaluationDeadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a round waits for <see cref="MinParticipants"/> before the run fails. Default 30 minutes.</summary>
    public TimeSpan ParticipantWaitTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Updates needed for a round to aggregate; fewer fails the attempt. Default 1.</summary>
    public int MinUpdatesPerRound { get; set; } = 1;

    /// <summary>Attempts of one round before the run fails. Default 3.</summary>
    public int MaxRoundAttempts { get; set; } = 3;

    /// <summary>Local optimiser steps per round. Default 20.</summary>
    public int LocalSteps { get; set; } = 20;

    /// <summary>Local learning rate. Default 0.01.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Samples per local step. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Seed of the initial model and of each round's per-site sampling seed. Default 42.</summary>
    public long Seed { get; set; } = 42;

    /// <summary>Server optimiser on the (decrypted) weighted mean delta: "fedavg" (default), "fedadam", "fedyogi", or "qffl" (q-FedAvg, see Qffl).</summary>
    public string Strategy { get; set; } = "fedavg";

    /// <summary>Server learning rate η (FedAvg: 1 = plain averaging; FedAdam/FedYogi: the step size, e.g. 0.1). Default 1.</summary>
    public double ServerLearningRate { get; set; } = 1.0;

    /// <summary>Initial model: "twin" (the building twin's shared parameters) or "synthetic" (<see cref="SyntheticLength"/> zeros).</summary>
    public string Model { get; set; } = "twin";

    /// <summary>Parameters of the "synthetic" model. Default 1024.</summary>
    public int SyntheticLength { get; set; } = 1024;

    /// <summary>Largest update accepted, bytes. Default 256 MiB.</summary>
    public long MaxUpdateBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Chunk size participants are told to upload with and downloads use, bytes. Default 1 MiB.</summary>
    public int ChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest chunk accepted, bytes. Default 4 MiB.</summary>
    public int MaxChunkBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Sites allowed to join; empty allows any site id.</summary>
    public IList<string> AllowedSites { get; } = [];

    /// <summary>Directory for checkpoints and report.json. Default "runs/federation".</summary>
    public string OutDir { get; set; } = "runs/federation";

    /// <summary>Use the tuned HTTP/2 windows and frame size (see docs/performance.md). Default true.</summary>
    public bool TuneTransport { get; set; } = true;

    /// <summary>
    /// "rlwe" (default): updates, sample counts, train losses and evaluation sums travel encrypted and the coordinator
    /// only ever decrypts their sums; "none": plain float32 updates and plain sums.
    /// </summary>
    public string Encryption { get; set; } = "rlwe";

    /// <summary>Fairness reporting: cohort vocabulary, combinations, suppression threshold (section "Federation:Fairness").</summary>
    public Federated.Coordinator.Fairness.FairnessOptions Fairness { get; set; } = new();

    /// <summary>q-FFL settings when <see cref="Strategy"/> is "qffl" (section "Federation:Qffl").</summary>
    public Federated.Coordinator.Fairness.QfflOptions Qffl { get; set; } = new();

    /// <summary>Settings of encrypted rounds (section "Federation:Rlwe").</summary>
    public Federated.Coordinator.Encryption.RlweOptions Rlwe { get; set; } = new();

    /// <summary>First-moment decay β₁ of FedAdam/FedYogi. Default 0.9.</summary>
    public double ServerBeta1 { get; set; } = 0.9;

    /// <summary>Second-moment decay β₂ of FedAdam/FedYogi. Default 0.99.</summary>
    public double ServerBeta2 { get; set; } = 0.99;

    /// <summary>Adaptivity τ of FedAdam/FedYogi (added to √v). Default 1e-3.</summary>
    public double ServerTau { get; set; } = 1e-3;

    /// <summary>Stop the process once the run has ended (serve). Default false: keep answering status queries.</summary>
    public bool ExitWhenComplete { get; set; }
}
