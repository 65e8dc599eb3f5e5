using System.Globalization;

namespace Federated.Core.Data.Internal;

/// <summary>Parses and formats whole-hour ISO 8601 UTC timestamps as hours since the Unix epoch.</summary>
internal static class IsoHour
{
    private static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>
    /// Accepts <c>yyyy-MM-ddTHH:mm[:ss[.fff…]]</c> followed by <c>Z</c> or a zero offset (<c>+00:00</c>).
    /// </summary>
    /// <returns>null on success, else the reason (quoting the text).</returns>
    public static string? TryParse(ReadOnlySpan<char> s, out long hour)
    {
        hour = 0;
        if (s.Length < 16
            || !TwoDigits(s, 0, out int c) || !TwoDigits(s, 2, out int yy) || s[4] != '-'
            || !TwoDigits(s, 5, out int month) || s[7] != '-'
            || !TwoDigits(s, 8, out int day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
            || !TwoDigits(s, 11, out int hh) || s[13] != ':' || !TwoDigits(s, 14, out int minute))
        {
            return NotIso(s);
        }
        int pos = 16;
        int second = 0;
        bool fraction = false;
        if (pos < s.Length && s[pos] == ':')
        {
            if (!TwoDigits(s, pos + 1, out second))
            {
                return NotIso(s);
            }
            pos += 3;
            if (pos < s.Length && s[pos] == '.')
            {
                pos++;
                int digits = 0;
                while (pos < s.Length && char.IsAsciiDigit(s[pos]))
                {
                    fraction |= s[pos] != '0';
                    pos++;
                    digits++;
                }
                if (digits == 0)
                {
                    return NotIso(s);
                }
            }
        }
        int year = c * 100 + yy;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hh > 23 || minute > 59 || second > 59)
        {
            return $"'{s}' is not a valid date and time";
        }
        ReadOnlySpan<char> zone = s[pos..];
        if (zone.IsEmpty)
        {
            return $"'{s}' has no time zone; timestamps must be UTC, e.g. 2010-01-01T00:00:00Z";
        }
        if (!(zone is "Z" or "z"))
        {
            if (!TryParseOffset(zone, out int offsetMinutes))
            {
                return NotIso(s);
            }
            if (offsetMinutes != 0)
            {
                return $"'{s}' is not UTC (offset {zone}); timestamps must end in Z";
            }
        }
        if (minute != 0 || second != 0 || fraction)
        {
            return $"'{s}' is not on a whole hour";
        }
        hour = (new DateOnly(year, month, day).DayNumber - EpochDayNumber) * 24L + hh;
        return null;
    }

    /// <summary>Formats as <c>yyyy-MM-ddTHH:00:00Z</c> into <paramref name="destination"/> (20 chars).</summary>
    public static int Format(long hour, Span<char> destination)
    {
        DateTime time = DateTime.UnixEpoch.AddHours(hour);
        time.TryFormat(destination, out int written, "yyyy-MM-dd'T'HH':00:00Z'", CultureInfo.InvariantCulture);
        return written;
    }

    public static string Format(long hour)
    {
        Span<char> buffer = stackalloc char[32];
        return new string(buffer[..Format(hour, buffer)]);
    }

    private static string NotIso(ReadOnlySpan<char> s) =>
        $"'{s}' is not an ISO 8601 UTC timestamp like 2010-01-01T00:00:00Z";

    private static bool TryParseOffset(ReadOnlySpan<char> zone, out int minutes)
    {
        minutes = 0;
        if (zone.Length < 3 || (zone[0] != '+' && zone[0] != '-') || !TwoDigits(zone, 1, out int h))
        {
            return false;
        }
        int m = 0;
        ReadOnlySpan<char> rest = zone[3..];
        if (rest.Length == 3 && rest[0] == ':')
        {
            rest = rest[1..];
        }
        if (rest.Length == 2)
        {
            if (!TwoDigits(rest, 0, out m))
            {
                return false;
            }
        }
        else if (!rest.IsEmpty)
        {
            return false;
        }
        minutes = h * 60 + m;
        return true;
    }

    private static bool TwoDigits(ReadOnlySpan<char> s, int at, out int value)
    {
        value = 0;
        if (at + 1 >= s.Length || !char.IsAsciiDigit(s[at]) || !char.IsAsciiDigit(s[at + 1]))
        {
            return false;
        }
        value = (s[at] - '0') * 10 + (s[at + 1] - '0');
        return true;
    }
}
