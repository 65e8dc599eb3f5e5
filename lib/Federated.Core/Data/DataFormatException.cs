using System.Globalization;

namespace Federated.Core.Data;

/// <summary>
/// Bad input in a site CSV file. The message reads <c>FILE line N, column 'NAME': REASON</c> (the column part is
/// left out when the problem is not tied to one column).
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException()
        : base("The data is not in the expected format.")
    {
    }

    public DataFormatException(string message)
        : base(message)
    {
    }

    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DataFormatException(string fileName, long lineNumber, string? column, string reason)
        : base(Format(fileName, lineNumber, column, reason))
    {
        FileName = fileName;
        LineNumber = lineNumber;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file (or source name) the bad input came from.</summary>
    public string? FileName { get; }

    /// <summary>1-based line number; the header is line 1.</summary>
    public long LineNumber { get; }

    /// <summary>The column at fault, or null when the problem concerns the whole line or file.</summary>
    public string? Column { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string? Reason { get; }

    private static string Format(string fileName, long lineNumber, string? column, string reason) =>
        column is null
            ? string.Create(CultureInfo.InvariantCulture, $"{fileName} line {lineNumber}: {reason}")
            : string.Create(CultureInfo.InvariantCulture, $"{fileName} line {lineNumber}, column '{column}': {reason}");
}
