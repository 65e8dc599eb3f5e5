using System.CommandLine;

namespace Federated.Coordinator.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Placeholder.");
        command.SetAction((ParseResult result) => 0);
        return command;
    }
}
