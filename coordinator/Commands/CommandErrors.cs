using System.Security.Cryptography;
using Spectre.Console;

namespace Federated.Coordinator.Commands;

/// <summary>Shared handling of the security commands' expected failures: one red line and exit code 2.</summary>
internal static class CommandErrors
{
    public static int Run(Func<int> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or InvalidDataException or CryptographicException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return 2;
        }
    }

    /// <summary>The audit actor of a command-line action: "cli:" and the OS user name.</summary>
    public static string CliActor() => "cli:" + new string(Environment.UserName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());
}
