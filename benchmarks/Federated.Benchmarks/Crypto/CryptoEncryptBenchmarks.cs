using BenchmarkDotNet.Attributes;
using Federated.Crypto.Rlwe;

namespace Federated.Benchmarks.Crypto;

/// <summary>Encode + public-key encrypt + serialize one full ciphertext (N − 1 values and the companion scalar).</summary>
[Config(typeof(CryptoBenchmarkConfig))]
public class CryptoEncryptBenchmarks
{
    private const int Values = 8191;
    private VectorEncryptor _encryptor = null!;
    private double[] _values = null!;
    private byte[] _output = null!;

    [Params("compact", "long-lived")]
    public string Set { get; set; } = "compact";

    [GlobalSetup]
    public void Setup()
    {
        HeParameters p = CryptoFixture.Resolve(Set);
        _encryptor = new VectorEncryptor(CryptoFixture.Keys(p).Key);
        _values = CryptoFixture.Values(Values);
        _output = new byte[_encryptor.GetCiphertextSize(Values)];
    }

    [Benchmark]
    [ValuesPerOperation(Values)]
    public int EncryptToWire() => _encryptor.Encrypt(_values, 1, 1, _output);
}
