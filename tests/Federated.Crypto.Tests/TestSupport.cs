using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Tests;

/// <summary>Small parameter sets and a key-generation harness shared by the tests.</summary>
internal static class TestSupport
{
    public const ulong Q0 = 0xfffffffffffc001UL;
    public const ulong Q1 = 0xffffffffffe8001UL;
    public const ulong Q2 = 0xffffffffffd8001UL;

    /// <summary>Insecure small rings so the combinatorial tests stay fast; same primes and encoding as the compact set.</summary>
    public static HeParameters Small(int logN = 6, int primes = 2, int maxParticipants = 100) => HeParameters.Create(new HeParameterLiteral
    {
        Name = $"test-n{1 << logN}-k{primes}",
        Id = (ushort)(0xF000 + (logN * 16) + primes),
        LogN = logN,
        Moduli = new[] { Q0, Q1, Q2 }.Take(primes).ToArray(),
        MaxAbsValue = 8,
        FractionalBits = 22,
        MaxParticipants = maxParticipants,
        MaxDecryptionsPerKey = 1 << 7,
        InsecureForTestingOnly = true,
    });

    public static byte[] Seed(byte fill = 7) => Enumerable.Repeat(fill, 32).ToArray();

    public sealed class Federation : IDisposable
    {
        public required HeParameters Parameters { get; init; }

        public required PartyKeys[] Keys { get; init; }

        public required PublicKey PublicKey { get; init; }

        public void Dispose()
        {
            foreach (PartyKeys k in Keys)
            {
                k.Dispose();
            }
        }
    }

    /// <summary>Runs steps 1–3 of the protocol for <paramref name="n"/> parties with threshold <paramref name="t"/>.</summary>
    public static Federation Setup(HeParameters p, int n, int t, uint epoch = 1)
    {
        byte[] seed = CommonSeed.Derive(Enumerable.Range(0, n).Select(_ => (ReadOnlyMemory<byte>)CommonSeed.NewContribution()));
        var keys = Enumerable.Range(1, n).Select(i => PartyKeys.Generate(p, seed, i, n, t, epoch)).ToArray();
        PublicKey pk = CollectiveKeyGen.Aggregate(p, seed, keys.Select(k => k.CreatePublicKeyShare()));
        if (t < n)
        {
            var outgoing = keys.Select(k => k.CreateThresholdShares()).ToArray();
            foreach (PartyKeys k in keys)
            {
                k.CombineThresholdShares(outgoing.Where(o => o.ContainsKey(k.PartyIndex)).Select(o => o[k.PartyIndex]));
            }
        }

        // Round-trip the key as the federation would.
        pk = PublicKey.FromBytes(p, pk.ToBytes());
        return new Federation { Parameters = p, Keys = keys, PublicKey = pk };
    }

    public static double[] RandomVector(Random rng, int length, double xmax, bool extremes)
    {
        var v = new double[length];
        for (int i = 0; i < length; i++)
        {
            v[i] = extremes ? (rng.Next(2) == 0 ? -xmax : xmax) : ((rng.NextDouble() * 2) - 1) * xmax;
        }

        return v;
    }
}
