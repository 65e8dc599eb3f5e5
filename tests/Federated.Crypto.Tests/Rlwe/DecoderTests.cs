using System.Numerics;
using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests.Rlwe;

public class DecoderTests
{
    public static TheoryData<string> Sets() => new() { "compact", "long-lived", "small-3" };

    [Theory]
    [MemberData(nameof(Sets))]
    public void Decode_RoundsAwayNoiseExactly_IncludingExtremes(string set)
    {
        HeParameters p = set switch
        {
            "compact" => HeParameters.Compact,
            "long-lived" => HeParameters.LongLivedKeys,
            _ => TestSupport.Small(8, 3),
        };
        var rng = new Random(11);
        long maxM = p.MaxEncodedMagnitude * p.MaxParticipants;
        BigInteger maxNoise = (BigInteger.One << (p.GuardBits - 1)) - 1;
        long[] m = new long[p.N];
        var plain = p.Ring.NewPoly();
        for (int i = 0; i < p.N; i++)
        {
            m[i] = i switch { 0 => maxM, 1 => -maxM, 2 => 0, _ => rng.NextInt64(-maxM, maxM) };
            BigInteger noise = i switch
            {
                0 => maxNoise,
                1 => -maxNoise,
                2 => -maxNoise,
                _ => (new BigInteger(rng.NextInt64()) * maxNoise) / long.MaxValue,
            };
            BigInteger x = (new BigInteger(m[i]) << p.GuardBits) + noise;
            for (int l = 0; l < p.ModulusCount; l++)
            {
                ulong q = p.Ring.Moduli[l].Value;
                plain.Coeffs[(l * p.N) + i] = (ulong)(((x % q) + q) % q);
            }

            Assert.Equal(x, PlaintextDecoder.Centered(p, plain, i));
        }

        long[] decoded = new long[p.N];
        PlaintextDecoder.Decode(p, plain, decoded);
        Assert.Equal(m, decoded);
    }
}
