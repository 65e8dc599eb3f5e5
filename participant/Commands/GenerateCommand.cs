using System.CommandLine;
using Federated.Core.Data.Generation;
using Spectre.Console;

namespace Federated.Participant.Commands;

/// <summary><c>participant generate</c>: writes synthetic, non-IID site datasets driven by real weather.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var sites = new Option<int>("--sites") { Description = "Number of sites.", DefaultValueFactory = _ => 4 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (site-XX.csv + manifest.json).", Required = true };
        var buildings = new Option<int>("--buildings") { Description = "Buildings per site.", DefaultValueFactory = _ => 12 };
        var trainDays = new Option<int>("--train-days") { Description = "Days in each site's training period.", DefaultValueFactory = _ => 42 };
        var testDays = new Option<int>("--test-days") { Description = "Days in each site's test period (after the training period).", DefaultValueFactory = _ => 14 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same files.", DefaultValueFactory = _ => 1 };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing dataset in --out." };
        var command = new Command("generate", "Write realistic non-IID site datasets (real Seattle hourly temperature normals, simulated buildings).")
        {
            sites, output, buildings, trainDays, testDays, seed, overwrite,
        };
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var options = new GeneratorOptions
            {
                Sites = result.GetValue(sites),
                BuildingsPerSite = result.GetValue(buildings),
                TrainDays = result.GetValue(trainDays),
                TestDays = result.GetValue(testDays),
                Seed = result.GetValue(seed),
                Overwrite = result.GetValue(overwrite),
            };
            options.Validate();
            string outDir = result.GetValue(output)!.FullName;
            GeneratedFederation? generated = null;
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask("Simulating buildings", maxValue: options.Sites);
                generated = await SiteDataGenerator.GenerateAsync(options, outDir, new Progress<int>(done => task.Value = done), cancellationToken).ConfigureAwait(false);
                task.Value = options.Sites;
            }).ConfigureAwait(false);

            var table = new Table().AddColumns("Site", "File", "Buildings", "Under-represented");
            foreach (var (site, file) in generated!.Manifest.Sites.Zip(generated.SiteFiles))
            {
                table.AddRow(site.Name, Path.GetFileName(file), site.Buildings.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape($"{site.UnderRepresentedColumn}={site.UnderRepresentedValue}"));
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"Wrote {generated.SiteFiles.Count} sites to [green]{outDir}[/]");
            return 0;
        }, cancellationToken));
        return command;
    }
}
