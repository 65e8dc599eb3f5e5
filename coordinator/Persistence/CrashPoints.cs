using System.Globalization;

namespace Federated.Coordinator.Persistence;

/// <summary>
/// A test hook that makes a coordinator process stop dead at a named point of a round so that a test can kill it
/// there (SIGKILL) without guessing with sleeps. Set <c>FEDERATED_CRASH_POINT=POINT</c> or <c>POINT:ROUND</c>
/// (points: training, upload, aggregation, checkpoint, evaluation); the first time the point is reached the
/// coordinator prints <c>FEDERATED-CRASH-POINT POINT round R</c> on standard output and that code path waits
/// forever. Without the variable every call returns at once. Never set it in production.
/// </summary>
internal static class CrashPoints
{
    public const string Variable = "FEDERATED_CRASH_POINT";
    public const string Marker = "FEDERATED-CRASH-POINT";

    private static readonly (string Point, ulong? Round)? Armed = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _fired;

    /// <summary>True when the hook is armed in this process.</summary>
    public static bool Enabled => Armed is not null;

    /// <summary>Returns at once unless this is the armed point (and round): then signals and never completes.</summary>
    public static Task ReachedAsync(string point, ulong round, CancellationToken cancellationToken)
    {
        if (Armed is not { } armed || !string.Equals(armed.Point, point, StringComparison.Ordinal) || (armed.Round is { } r && r != round))
        {
            return Task.CompletedTask;
        }
        if (Interlocked.Exchange(ref _fired, 1) != 0)
        {
            return Task.CompletedTask;
        }
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Marker} {point} round {round}"));
        Console.Out.Flush();
        return Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private static (string, ulong?)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var parts = value.Trim().Split(':', 2);
        ulong? round = parts.Length == 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        return (parts[0].ToLowerInvariant(), round);
    }
}
