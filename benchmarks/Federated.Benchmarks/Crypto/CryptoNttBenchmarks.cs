using BenchmarkDotNet.Attributes;
using Federated.Crypto.Ring;

namespace Federated.Benchmarks.Crypto;

/// <summary>One negacyclic NTT over one 60-bit prime (a parameter set with k primes does k of these per polynomial).</summary>
[Config(typeof(CryptoBenchmarkConfig))]
public class CryptoNttBenchmarks
{
    private NttTable _table = null!;
    private ulong[] _data = null!;

    [Params(4096, 8192, 16384)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const ulong Q = 0xffffffffffc0001UL; // ≡ 1 mod 2^18: NTT-friendly up to N = 2^17
        _table = new NttTable(new Modulus(Q), N);
        var rng = new Random(1);
        _data = Enumerable.Range(0, N).Select(_ => (ulong)rng.NextInt64((long)Q)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public void Forward() => _table.Forward(_data);

    [Benchmark]
    public void Inverse() => _table.Inverse(_data);
}
