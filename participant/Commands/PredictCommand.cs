using System.CommandLine;
using Federated.Core.Data;
using Federated.Core.Twin;
using Spectre.Console;

namespace Federated.Participant.Commands;

/// <summary><c>participant predict</c>: one forecast per row, written beside the row's inputs and cohorts.</summary>
internal static class PredictCommand
{
    public const string PredictionColumn = "predicted_indoor_temp_c";

    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "Twin checkpoint from train-local (or a participant run).", Required = true }.AcceptExistingOnly();
        var data = CommandLineOptions.Data("CSV to predict; cohort columns default to those the model was trained with.");
        var cohorts = CommandLineOptions.CohortColumns();
        var output = new Option<FileInfo>("--out") { Description = "Predictions CSV: the input columns plus predicted_indoor_temp_c.", Required = true };
        var command = new Command("predict", "Forecast each row's indoor temperature from the observation one horizon earlier (empty where there is none).")
        {
            model, data, cohorts, output,
        };
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var checkpoint = await TwinCheckpoint.LoadAsync(result.GetValue(model)!.FullName, cancellationToken).ConfigureAwait(false);
            var columns = result.GetValue(cohorts) is { Length: > 0 } given ? given : checkpoint.CohortColumns.ToArray();
            var dataset = await SiteCsvReader.ReadAsync(result.GetValue(data)!.FullName, columns, cancellationToken).ConfigureAwait(false);
            using var twin = checkpoint.ToTwin(Core.Runtime.TorchRuntime.Initialize());
            var forecast = TwinForecaster.Forecast(twin, dataset, cancellationToken);
            var path = result.GetValue(output)!.FullName;
            await WriteAsync(path, forecast, cancellationToken).ConfigureAwait(false);

            var unknown = dataset.Buildings.Count(b => twin.SlotOf(b.BuildingId) < 0);
            var errors = forecast.Errors();
            AnsiConsole.MarkupLineInterpolated($"Wrote {dataset.Rows:N0} rows ({errors.Count:N0} with a forecast, RMSE {errors.Rmse:F3} K) to [green]{path}[/]");
            if (unknown > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{unknown} building(s) were not in the model; their physics uses the untrained initial guess.[/]");
            }
            return 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>Writes to a temporary file first so a failure never leaves a half-written predictions file.</summary>
    internal static async Task WriteAsync(string path, SiteForecast forecast, CancellationToken cancellationToken)
    {
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var writer = SiteCsvWriter.Create(temp, forecast.Dataset.CohortColumns, [PredictionColumn]))
            {
                for (int b = 0; b < forecast.Dataset.Buildings.Count; b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var building = forecast.Dataset.Buildings[b];
                    var cohortValues = forecast.Dataset.CohortColumns.Select(c => building.Cohorts[c]).ToArray();
                    for (int s = 0; s < building.Segments.Count; s++)
                    {
                        var segment = building.Segments[s];
                        for (int t = 0; t < segment.Length; t++)
                        {
                            writer.WriteRow(segment.StartHour + t, building.BuildingId, segment.OutdoorTempC[t], segment.SolarWm2[t], segment.HvacKw[t],
                                segment.IndoorTempC[t], cohortValues, [forecast.Predicted[b][s][t]]);
                        }
                    }
                }
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
