using System.CommandLine;
using Federated.Coordinator.Commands;

var root = new RootCommand("Federated coordinator: runs federated rounds over gRPC; participants keep their data on site.");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchUploadCommand.Create());
root.Subcommands.Add(Federated.Coordinator.Encryption.BenchRoundCommand.Create());
root.Subcommands.Add(CaCommand.Create());
root.Subcommands.Add(EnrollCommand.Create());
root.Subcommands.Add(RevokeCommand.Create());
root.Subcommands.Add(AuditCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
