using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Rlwe;

public class ParametersTests
{
    [Fact]
    public void BuiltInSets_MatchTheNote()
    {
        HeParameters c = HeParameters.Compact;
        HeParameters l = HeParameters.LongLivedKeys;
        Assert.Equal(8192, c.N);
        Assert.Equal(2, c.ModulusCount);
        Assert.Equal(3, l.ModulusCount);
        Assert.False(c.IsInsecure);
        // Room for log2 X_max + f from the note's table: 26 bits (compact, P = 100) and ~53 (long-lived, P = 10 000).
        Assert.InRange(c.LogQ - 1 - c.GuardBits - Math.Log2(c.MaxParticipants), 26, 27);
        Assert.InRange(l.LogQ - 1 - l.GuardBits - Math.Log2(l.MaxParticipants), 52.5, 54);
        // 2 polynomials × 2 primes × 60 bits = 30 bytes per value.
        Assert.Equal(30.0, 2.0 * c.PolyPackedBytes / c.N);
        Assert.Equal(45.0, 2.0 * l.PolyPackedBytes / l.N);
    }

    [Fact]
    public void Create_TooLargeModulusForN_IsRefusedAsInsecure()
    {
        var lit = HeParameters.CompactLiteral with { Name = "big-q", LogN = 12 };
        var ex = Assert.Throws<ArgumentException>(() => HeParameters.Create(lit));
        Assert.Equal("Parameter set 'big-q' is insecure: log2(Q) = 120.0 exceeds 109, the HE-standard maximum for 128-bit security at N = 4096. (Parameter 'literal')", ex.Message);
    }

    [Fact]
    public void Create_FourPrimesAtN8192_IsRefusedAsInsecure()
    {
        var lit = HeParameters.LongLivedKeysLiteral with { Moduli = [.. HeParameters.LongLivedKeysLiteral.Moduli, 0xffffffffffc0001UL] };
        Assert.Contains("is insecure: log2(Q) = 240.0 exceeds 218", Assert.Throws<ArgumentException>(() => HeParameters.Create(lit)).Message);
    }

    [Fact]
    public void Create_SmallRingWithoutTestFlag_IsRefused()
    {
        var lit = HeParameters.CompactLiteral with { LogN = 9 };
        Assert.Contains("N = 512 is below the HE-standard table", Assert.Throws<ArgumentException>(() => HeParameters.Create(lit)).Message);
    }

    [Theory]
    [InlineData("FractionalBits", "FractionalBits = 70 must be in [0, 62]")]
    [InlineData("MaxAbsValue", "MaxAbsValue = -1 must be a positive finite number")]
    [InlineData("MaxParticipants", "MaxParticipants = 0 must be in [1, 1000000]")]
    [InlineData("Room", "no room for the encoding")]
    [InlineData("NotPrime", "must be a prime below 2^62")]
    [InlineData("NotNtt", "is not 1 mod 2N = 16384")]
    public void Create_InvalidField_NamesIt(string field, string message)
    {
        HeParameterLiteral b = HeParameters.CompactLiteral;
        HeParameterLiteral lit = field switch
        {
            "FractionalBits" => b with { FractionalBits = 70 },
            "MaxAbsValue" => b with { MaxAbsValue = -1 },
            "MaxParticipants" => b with { MaxParticipants = 0 },
            "Room" => b with { MaxAbsValue = 1024 },
            "NotPrime" => b with { Moduli = [0xfffffffffffc001UL, 0xfffffffffffc003UL] },
            _ => b with { Moduli = [0xfffffffffffc001UL, (1UL << 61) - 1] },
        };
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => HeParameters.Create(lit)).Message);
    }

    [Fact]
    public void Quantize_ClipsAndRounds()
    {
        HeParameters p = HeParameters.Compact;
        Assert.Equal(8L << 22, FixedPointEncoder.Quantize(p, 1e9));
        Assert.Equal(-(8L << 22), FixedPointEncoder.Quantize(p, double.NegativeInfinity));
        Assert.Equal(1, FixedPointEncoder.Quantize(p, 1.4 / (1 << 22)));
        Assert.Throws<ArgumentException>(() => FixedPointEncoder.Quantize(p, double.NaN));
    }
}
