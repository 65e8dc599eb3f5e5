namespace Federated.Core.Data.Weather;

/// <summary>
/// A seeded, random-access cloudiness series: one clearness factor in [<see cref="Minimum"/>, 1] per local day,
/// with some day-to-day persistence (each day blends its own draw with the previous day's). The same seed gives the
/// same sky whatever order days are asked for.
/// </summary>
public sealed class DailyClearness
{
    public const double Minimum = 0.15;
    private readonly ulong _seed;
    private readonly int _utcOffsetHours;

    public DailyClearness(int seed, int utcOffsetHours)
    {
        _seed = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL);
        _utcOffsetHours = utcOffsetHours;
    }

    /// <summary>Clearness during the UTC hour <paramref name="utcHour"/> (constant over each local day).</summary>
    public double At(long utcHour)
    {
        long day = Math.DivRem(utcHour + _utcOffsetHours, 24, out long rem) - (rem < 0 ? 1 : 0);
        double blend = 0.65 * Uniform(day) + 0.35 * Uniform(day - 1);
        return Minimum + (1 - Minimum) * blend;
    }

    /// <summary>SplitMix64 of (seed, day) mapped to [0, 1).</summary>
    private double Uniform(long day)
    {
        ulong z = unchecked(_seed + (ulong)day * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
