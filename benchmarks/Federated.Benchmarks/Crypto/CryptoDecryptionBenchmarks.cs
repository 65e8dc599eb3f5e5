using BenchmarkDotNet.Attributes;
using Federated.Crypto.Multiparty;
using Federated.Crypto.Rlwe;

namespace Federated.Benchmarks.Crypto;

/// <summary>
/// Collective decryption of a one-ciphertext aggregate of 3 parties: one party's share (NTT, product, smudging,
/// serialization) and the coordinator's combine + CRT decode. The share benchmark bypasses the one-share-per-ciphertext
/// log (which would refuse the repeats a benchmark needs); its cost is one SHA-256 of c1.
/// </summary>
[Config(typeof(CryptoBenchmarkConfig))]
public class CryptoDecryptionBenchmarks
{
    private const int Values = 8191;
    private PartyKeys[] _keys = null!;
    private EncryptedVector _aggregate = null!;
    private DecryptionShare[] _shares = null!;
    private int[] _active = null!;

    [Params("compact", "long-lived")]
    public string Set { get; set; } = "compact";

    [GlobalSetup]
    public void Setup()
    {
        HeParameters p = CryptoFixture.Resolve(Set);
        var (keys, pk) = CryptoFixture.Keys(p);
        _keys = keys;
        var enc = new VectorEncryptor(pk);
        double[] v = CryptoFixture.Values(Values);
        _aggregate = enc.EncryptVector(v, 1, 1);
        _aggregate.AddInPlace(enc.EncryptVector(v, 1, 1));
        _aggregate.AddInPlace(enc.EncryptVector(v, 1, 1));
        _active = [1, 2, 3];
        _shares = keys.Select(k => ParticipantDecryptor.Compute(k, _aggregate, _active, smudge: true)).ToArray();
    }

    [Benchmark]
    [ValuesPerOperation(Values)]
    public byte[] DecryptionShare() => ParticipantDecryptor.Compute(_keys[0], _aggregate, _active, smudge: true).ToBytes();

    [Benchmark]
    [ValuesPerOperation(Values)]
    public DecodedVector CombineAndDecode() => CollectiveDecryption.Combine(_aggregate, _shares);
}
