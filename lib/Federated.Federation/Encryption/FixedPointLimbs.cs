using Federated.Crypto.Rlwe;

namespace Federated.Federation.Encryption;

/// <summary>
/// Carries integers wider than one RLWE slot: a fixed-point integer V is written as L base-2^B digits
/// (V = Σ d_k·2^(B·k), lower digits in [0, 2^B), the top digit signed), each digit in its own slot. Slot sums of up
/// to P_max parties are exact (the parameter set guarantees it for |digit| ≤ X_max·2^f), so recombining the summed
/// digits gives Σ V exactly, carries included. A digit d enters the encryptor as d·2^-f, which the encoder turns
/// back into exactly d (d·2^-f is an exact double and |d| &lt; X_max·2^f / 2).
/// </summary>
public static class FixedPointLimbs
{
    /// <summary>The widest digit a parameter set carries: 2^B ≤ (X_max·2^f) / 2, so a signed top digit fits too.</summary>
    public static int LimbBits(HeParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Math.Min(62, (int)Math.Floor(Math.Log2(parameters.MaxEncodedMagnitude)) - 1);
    }

    /// <summary>Digits needed for signed integers of <paramref name="bits"/> bits (sign included).</summary>
    public static int LimbsFor(int bits, int limbBits) => (bits + limbBits - 1) / limbBits;

    /// <summary>Largest |V| that <paramref name="limbs"/> digits of <paramref name="limbBits"/> bits hold.</summary>
    public static Int128 MaxMagnitude(int limbs, int limbBits) => (Int128.One << ((limbs * limbBits) - 1)) - 1;

    /// <summary>Writes the digits of <paramref name="value"/> as encryptor inputs (digit·2^-f) into <paramref name="destination"/>.</summary>
    public static void Split(Int128 value, int limbs, int limbBits, int encoderFractionalBits, Span<double> destination)
    {
        if (Int128.Abs(value) > MaxMagnitude(limbs, limbBits))
        {
            throw new ArgumentOutOfRangeException(nameof(value), $"|{value}| does not fit in {limbs} digits of {limbBits} bits.");
        }
        Int128 mask = (Int128.One << limbBits) - 1;
        Int128 rest = value;
        for (int k = 0; k < limbs - 1; k++)
        {
            long digit = (long)(rest & mask);
            destination[k] = Math.ScaleB(digit, -encoderFractionalBits);
            rest >>= limbBits; // arithmetic shift: floor division, keeps the sign in the top digit
        }
        destination[limbs - 1] = Math.ScaleB((long)rest, -encoderFractionalBits);
    }

    /// <summary>Σ d_k·2^(B·k) over summed digits.</summary>
    public static Int128 Combine(ReadOnlySpan<long> digitSums, int limbBits)
    {
        Int128 total = 0;
        for (int k = digitSums.Length - 1; k >= 0; k--)
        {
            total = (total << limbBits) + digitSums[k];
        }
        return total;
    }

    /// <summary>round-half-even(x·2^F) as an exact integer (x finite, |x·2^F| &lt; 2^100).</summary>
    public static Int128 Quantize(double x, int fractionalBits)
    {
        if (!double.IsFinite(x))
        {
            throw new ArgumentException($"{x} cannot be encoded.", nameof(x));
        }
        double scaled = Math.Round(Math.ScaleB(x, fractionalBits), MidpointRounding.ToEven);
        return (Int128)scaled;
    }

    /// <summary>V·2^-F as a double (rounded once).</summary>
    public static double Dequantize(Int128 value, int fractionalBits) => Math.ScaleB((double)value, -fractionalBits);
}
