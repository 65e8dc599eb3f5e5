using System.CommandLine;
using System.Globalization;
using Federated.Core.Data;
using Federated.Core.Federation;
using Federated.Core.Twin;
using Spectre.Console;

namespace Federated.Participant.Commands;

/// <summary><c>participant train-local</c>: trains the twin on one site alone and compares it with persistence.</summary>
internal static class TrainLocalCommand
{
    public static Command Create()
    {
        var data = CommandLineOptions.Data();
        var cohorts = CommandLineOptions.CohortColumns();
        var testDays = CommandLineOptions.TestDays();
        var output = new Option<FileInfo>("--out") { Description = "Where to write the trained twin (JSON checkpoint).", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => 600 };
        var batch = new Option<int>("--batch-size") { Description = "Rollout windows per step.", DefaultValueFactory = _ => 64 };
        var learningRate = new Option<double>("--learning-rate") { Description = "Learning rate of the neural correction.", DefaultValueFactory = _ => 3e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and sampling.", DefaultValueFactory = _ => 1 };
        var command = new Command("train-local", "Train the twin on this site's data alone; print test-period error next to a persistence forecast.")
        {
            data, cohorts, testDays, output, steps, batch, learningRate, seed,
        };
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var path = result.GetValue(data)!.FullName;
            var columns = result.GetValue(cohorts) ?? [];
            var site = await SiteCsvReader.ReadAsync(path, columns, cancellationToken).ConfigureAwait(false);
            var (train, test) = site.SplitLastDays(result.GetValue(testDays));
            var options = new TwinOptions();
            using var trainer = new TwinTrainer(train, test, options);
            var plan = new TrainingPlan(1, result.GetValue(steps), result.GetValue(learningRate), result.GetValue(batch), result.GetValue(seed));
            var global = TwinSharedModel.Initial(options, plan.Seed);
            AnsiConsole.MarkupLineInterpolated($"Training on [green]{train.Buildings.Count}[/] buildings, {trainer.SampleCount:N0} windows of {options.Horizon} h; device {Core.Runtime.TorchRuntime.Device.type}");

            LocalUpdate? update = null;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("loss …", maxValue: plan.LocalSteps);
                    var progress = new Progress<(int Step, double Loss)>(p =>
                    {
                        task.Value = p.Step;
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F4}");
                    });
                    update = await Task.Run(() => trainer.Train(global, plan, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);

            var twin = trainer.Forecast(test, cancellationToken).Errors();
            var persistence = SiteForecast.Persistence(test, options.Horizon).Errors();
            var table = new Table().Title($"Test period, {options.Horizon} h ahead").AddColumns("Model", "RMSE (K)", "MAE (K)", "Bias (K)", "Forecasts");
            AddRow(table, "Twin (this site only)", twin);
            AddRow(table, "Persistence", persistence);
            AnsiConsole.Write(table);

            await TwinCheckpoint.From(trainer.Twin, site.CohortColumns).SaveAsync(result.GetValue(output)!.FullName, cancellationToken).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated($"Saved the twin to [green]{result.GetValue(output)!.FullName}[/]");
            return 0;
        }, cancellationToken));
        return command;
    }

    internal static void AddRow(Table table, string name, EvaluationSums sums) => table.AddRow(name,
        sums.Rmse.ToString("F3", CultureInfo.InvariantCulture), sums.Mae.ToString("F3", CultureInfo.InvariantCulture),
        sums.Bias.ToString("+0.000;-0.000", CultureInfo.InvariantCulture), sums.Count.ToString("N0", CultureInfo.InvariantCulture));
}
