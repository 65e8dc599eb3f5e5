using System.CommandLine;
using Federated.Participant.Commands;

var root = new RootCommand("Federated participant: keeps a site's data on site, trains the building twin locally and takes part in federated rounds.");
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(TrainLocalCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(RunCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
