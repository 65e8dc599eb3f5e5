using BenchmarkDotNet.Attributes;
using Federated.Crypto.Rlwe;

namespace Federated.Benchmarks.Crypto;

/// <summary>Ciphertext addition: in memory, and streamed from the wire (validate + unpack + add) as the coordinator does.</summary>
[Config(typeof(CryptoBenchmarkConfig))]
[InvocationCount(96)] // an aggregate holds at most P_max = 100 contributions: reset before that
public class CryptoAddBenchmarks
{
    private const int Values = 8191;
    private EncryptedVector _sum = null!;
    private EncryptedVector _term = null!;
    private byte[] _wire = null!;
    private CiphertextAccumulator _accumulator = null!;
    private HeParameters _p = null!;

    [Params("compact", "long-lived")]
    public string Set { get; set; } = "compact";

    [GlobalSetup]
    public void Setup()
    {
        _p = CryptoFixture.Resolve(Set);
        var enc = new VectorEncryptor(CryptoFixture.Keys(_p).Key);
        double[] v = CryptoFixture.Values(Values);
        _sum = enc.EncryptVector(v, 1, 1);
        _term = enc.EncryptVector(v, 1, 1);
        _wire = _term.ToBytes();
    }

    [IterationSetup]
    public void ResetAccumulator()
    {
        // P_max bounds how many additions one aggregate may hold; start each iteration from an empty one.
        _sum = EncryptedVector.FromBytes(_p, _wire);
        _accumulator = new CiphertextAccumulator(_p, 1);
        _accumulator.Add(_wire);
    }

    [Benchmark(Baseline = true)]
    [ValuesPerOperation(Values)]
    public void AddInPlace() => _sum.AddInPlace(_term);

    [Benchmark]
    [ValuesPerOperation(Values)]
    public void AddSerialized() => _accumulator.Add(_wire);
}
