namespace Federated.Core.Federation;

/// <summary>The training configuration a coordinator sends with each round's task.</summary>
/// <param name="Round">1-based round number.</param>
/// <param name="LocalSteps">Optimiser steps on local data.</param>
/// <param name="LearningRate">Learning rate of the local optimiser for the shared parameters.</param>
/// <param name="BatchSize">Rollout windows per step.</param>
/// <param name="Seed">Seed for the round's sampling, so runs are reproducible.</param>
public sealed record TrainingPlan(int Round, int LocalSteps, double LearningRate, int BatchSize, long Seed);
