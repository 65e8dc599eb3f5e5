using System.Text;

namespace Federated.Core.Data.Internal;

/// <summary>
/// Splits one CSV line into fields without allocating for unquoted lines. Quoted fields (RFC 4180, doubled quotes
/// inside) are supported within one line; a field's surrounding spaces are trimmed.
/// </summary>
internal sealed class CsvLineSplitter
{
    private int[] _starts = new int[16];
    private int[] _lengths = new int[16];
    private string?[] _unquoted = new string?[16];
    private string _line = string.Empty;
    private bool _hasQuoted;

    public int Count { get; private set; }

    public ReadOnlySpan<char> this[int index] =>
        _hasQuoted && _unquoted[index] is { } text
            ? text.AsSpan()
            : _line.AsSpan(_starts[index], _lengths[index]).Trim(' ');

    /// <summary>Splits <paramref name="line"/>; returns an error text when a quote is malformed.</summary>
    public string? Split(string line)
    {
        _line = line;
        Count = 0;
        if (_hasQuoted)
        {
            Array.Clear(_unquoted);
            _hasQuoted = false;
        }
        if (line.Contains('"', StringComparison.Ordinal))
        {
            return SplitQuoted(line);
        }
        int start = 0;
        while (true)
        {
            int comma = line.IndexOf(',', start);
            int end = comma < 0 ? line.Length : comma;
            Add(start, end - start);
            if (comma < 0)
            {
                return null;
            }
            start = comma + 1;
        }
    }

    private string? SplitQuoted(string line)
    {
        _hasQuoted = true;
        int i = 0;
        var builder = new StringBuilder();
        while (true)
        {
            int fieldStart = i;
            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }
            if (i < line.Length && line[i] == '"')
            {
                builder.Clear();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        return $"field {Count + 1} has an unterminated quote";
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            builder.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    builder.Append(line[i]);
                    i++;
                }
                while (i < line.Length && line[i] == ' ')
                {
                    i++;
                }
                if (i < line.Length && line[i] != ',')
                {
                    return $"field {Count + 1} has text after its closing quote";
                }
                Add(fieldStart, i - fieldStart);
                _unquoted[Count - 1] = builder.ToString();
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                if (line.AsSpan(i, end - i).Contains('"'))
                {
                    return $"field {Count + 1} has a quote inside an unquoted value";
                }
                Add(fieldStart, end - fieldStart);
                i = end;
            }
            if (i >= line.Length)
            {
                return null;
            }
            i++; // the comma
        }
    }

    private void Add(int start, int length)
    {
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
            Array.Resize(ref _unquoted, Count * 2);
        }
        _starts[Count] = start;
        _lengths[Count] = length;
        Count++;
    }
}
