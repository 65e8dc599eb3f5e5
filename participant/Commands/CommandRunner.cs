using Federated.Core.Data;
using Federated.Core.Runtime;
using Spectre.Console;

namespace Federated.Participant.Commands;

/// <summary>Turns the errors a user can cause or fix into one clear line and exit code 2, instead of a stack trace.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
        catch (Exception ex) when (ex is DataFormatException or InvalidDataException or IOException or UnauthorizedAccessException
                                       or ArgumentException or TorchUnavailableException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {Describe(ex)}");
            return 2;
        }
    }

    // ArgumentException appends "(Parameter 'x')" on a line of its own; the message already names the field.
    private static string Describe(Exception ex) => ex is ArgumentException { ParamName: { } name } argument
        ? argument.Message.Replace($"(Parameter '{name}')", "", StringComparison.Ordinal).Trim()
        : ex.Message;
}
