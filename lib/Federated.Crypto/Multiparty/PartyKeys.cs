using System.Security.Cryptography;
using Federated.Crypto.Ring;
using Federated.Crypto.Rlwe;

namespace Federated.Crypto.Multiparty;

/// <summary>
/// One participant's secret key material for one key epoch: its ternary secret s_i (NTT form) and, in T-of-N mode,
/// its threshold secret sk_i = Σ_j f_j(α_i). Party indices are 1-based and double as the Shamir points α_i = i.
/// Nobody ever holds s = Σ s_i. Dispose to erase the secrets. Methods are not thread-safe; decryption goes through
/// <see cref="ParticipantDecryptor"/>, which is.
/// </summary>
public sealed class PartyKeys : IDisposable
{
    private readonly Poly _secretNtt;
    private readonly Poly _aNtt;
    private Poly[]? _shamirCoefficients;
    private Poly? _ownShare;
    private byte[]? _publicShare;
    private bool _disposed;

    private PartyKeys(HeParameters parameters, byte[] seed, int partyIndex, int partyCount, int threshold, uint epoch, Poly secretNtt, Poly aNtt)
    {
        Parameters = parameters;
        CommonSeedBytes = seed;
        PartyIndex = partyIndex;
        PartyCount = partyCount;
        Threshold = threshold;
        Epoch = epoch;
        _secretNtt = secretNtt;
        _aNtt = aNtt;
        Secret = new ShoupPoly(parameters.Ring, secretNtt);
    }

    public HeParameters Parameters { get; }

    public int PartyIndex { get; }

    public int PartyCount { get; }

    /// <summary>T: how many parties must take part in a decryption. T = N means everyone, and no Shamir step is needed.</summary>
    public int Threshold { get; }

    public uint Epoch { get; }

    public bool IsThreshold => Threshold < PartyCount;

    /// <summary>True once <see cref="CombineThresholdShares(IEnumerable{byte[]})"/> has run (always true when T = N).</summary>
    public bool IsReadyToDecrypt => !IsThreshold || ThresholdSecret is not null;

    internal byte[] CommonSeedBytes { get; }

    internal ShoupPoly Secret { get; }

    internal ShoupPoly? ThresholdSecret { get; private set; }

    /// <summary>Samples fresh key material for party <paramref name="partyIndex"/> (1-based) of <paramref name="partyCount"/>.</summary>
    public static PartyKeys Generate(HeParameters parameters, ReadOnlySpan<byte> commonSeed, int partyIndex, int partyCount, int threshold, uint epoch)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (commonSeed.Length != CommonSeed.Size)
        {
            throw new ArgumentException($"The common seed must be {CommonSeed.Size} bytes.", nameof(commonSeed));
        }

        if (partyCount < 2 || partyCount > parameters.MaxParticipants || partyCount > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(partyCount), partyCount, $"Party count must be in [2, {Math.Min(parameters.MaxParticipants, ushort.MaxValue)}].");
        }

        if (partyIndex < 1 || partyIndex > partyCount)
        {
            throw new ArgumentOutOfRangeException(nameof(partyIndex), partyIndex, $"Party index must be in [1, {partyCount}].");
        }

        // T = 1 would make every "Shamir share" the constant polynomial s_i itself, handing each party's secret to
        // every other party: at least two parties must always be needed to decrypt.
        if (threshold < 2 || threshold > partyCount)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"Threshold must be in [2, {partyCount}].");
        }

        RingQ ring = parameters.Ring;
        long[] s = new long[parameters.N];
        TernarySampler.Sample(SystemRandomSource.Instance, s);
        Poly sNtt = ring.NewPoly();
        ring.SetSmall(s, sNtt);
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(s.AsSpan()));
        ring.Forward(sNtt);
        Poly a = CommonReference.ExpandA(parameters, commonSeed);
        return new PartyKeys(parameters, commonSeed.ToArray(), partyIndex, partyCount, threshold, epoch, sNtt, a);
    }

    /// <summary>p_i = −a·s_i + e_i, serialized. Sampled once; later calls return the same share (two would leak e_i − e_i').</summary>
    public byte[] CreatePublicKeyShare()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_publicShare is null)
        {
            RingQ ring = Parameters.Ring;
            Poly p = ring.NewPoly();
            ring.MulCoeffsShoup(_aNtt, Secret, p);
            ring.NegInPlace(p);
            ring.Inverse(p);
            long[] e = new long[Parameters.N];
            CenteredBinomialSampler.Sample(SystemRandomSource.Instance, e);
            ring.AddSmallInPlace(p, e);
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(e.AsSpan()));
            _publicShare = new PublicKeyShare(Parameters, Epoch, PartyIndex, p).ToBytes();
        }

        return (byte[])_publicShare.Clone();
    }

    /// <summary>
    /// Shamir-shares s_i with a random polynomial f_i of degree T−1 over R_Q (f_i(0) = s_i) and returns f_i(α_j)
    /// for every other party j, keyed by j. SECRET blobs: send each only to its recipient over an encrypted channel.
    /// </summary>
    public IReadOnlyDictionary<int, byte[]> CreateThresholdShares()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsThreshold)
        {
            throw new InvalidOperationException($"Threshold T = N = {PartyCount}: no Shamir shares are needed.");
        }

        if (_shamirCoefficients is not null || ThresholdSecret is not null)
        {
            throw new InvalidOperationException("Threshold shares were already created for this key; a second polynomial would leak s_i.");
        }

        RingQ ring = Parameters.Ring;
        _shamirCoefficients = new Poly[Threshold];
        _shamirCoefficients[0] = _secretNtt;
        for (int k = 1; k < Threshold; k++)
        {
            _shamirCoefficients[k] = ring.NewPoly();
            UniformSampler.Sample(ring, SystemRandomSource.Instance, _shamirCoefficients[k]);
        }

        var result = new Dictionary<int, byte[]>();
        for (int j = 1; j <= PartyCount; j++)
        {
            Poly value = Evaluate(j);
            if (j == PartyIndex)
            {
                _ownShare = value;
                continue;
            }

            ring.Inverse(value);
            result[j] = new ThresholdShare(Parameters, Epoch, PartyIndex, j, Threshold, PartyCount, value).ToBytes();
            value.Wipe();
        }

        for (int k = 1; k < Threshold; k++)
        {
            _shamirCoefficients[k].Wipe();
        }

        return result;
    }

    /// <summary>f_i(α) by Horner's rule (NTT form; Shamir is linear, so the domain does not matter).</summary>
    private Poly Evaluate(int alpha)
    {
        RingQ ring = Parameters.Ring;
        Poly acc = _shamirCoefficients![Threshold - 1].Clone();
        Span<ulong> scalar = stackalloc ulong[ring.Levels];
        scalar.Fill((ulong)alpha);
        for (int k = Threshold - 2; k >= 0; k--)
        {
            ring.MulScalarInPlace(acc, scalar);
            ring.AddInPlace(acc, _shamirCoefficients[k]);
        }

        return acc;
    }

    /// <summary>sk_i = f_i(α_i) + Σ_{j≠i} f_j(α_i): needs exactly one share from each of the other N−1 parties.</summary>
    public void CombineThresholdShares(IEnumerable<byte[]> receivedShares)
    {
        ArgumentNullException.ThrowIfNull(receivedShares);
        CombineThresholdShares(receivedShares.Select(b => ThresholdShare.FromBytes(Parameters, b)));
    }

    public void CombineThresholdShares(IEnumerable<ThresholdShare> receivedShares)
    {
        ArgumentNullException.ThrowIfNull(receivedShares);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ownShare is null)
        {
            throw new InvalidOperationException(ThresholdSecret is null
                ? "Create this party's own threshold shares first (CreateThresholdShares)."
                : "The threshold secret was already combined.");
        }

        RingQ ring = Parameters.Ring;
        Poly sum = _ownShare.Clone();
        var from = new HashSet<int>();
        try
        {
            foreach (ThresholdShare s in receivedShares)
            {
                if (s.To != PartyIndex)
                {
                    throw new ArgumentException($"Threshold share from party {s.From} is addressed to party {s.To}, not {PartyIndex}.", nameof(receivedShares));
                }

                if (s.Threshold != Threshold || s.PartyCount != PartyCount || s.Epoch != Epoch)
                {
                    throw new ArgumentException($"Threshold share from party {s.From} is for T = {s.Threshold} of {s.PartyCount}, epoch {s.Epoch}; expected T = {Threshold} of {PartyCount}, epoch {Epoch}.", nameof(receivedShares));
                }

                if (!from.Add(s.From))
                {
                    throw new ArgumentException($"Two threshold shares from party {s.From}.", nameof(receivedShares));
                }

                Poly v = s.Coeffs.Clone();
                ring.Forward(v);
                ring.AddInPlace(sum, v);
                v.Wipe();
                s.Coeffs.Wipe();
            }

            if (from.Count != PartyCount - 1)
            {
                var missing = Enumerable.Range(1, PartyCount).Where(j => j != PartyIndex && !from.Contains(j));
                throw new ArgumentException($"Threshold shares missing from parties {string.Join(", ", missing)}.", nameof(receivedShares));
            }
        }
        catch
        {
            sum.Wipe();
            throw;
        }

        ThresholdSecret = new ShoupPoly(ring, sum);
        _ownShare.Wipe();
        _ownShare = null;
        _shamirCoefficients = null;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Secret.Wipe();
        ThresholdSecret?.Wipe();
        _ownShare?.Wipe();
        if (_shamirCoefficients is not null)
        {
            foreach (Poly p in _shamirCoefficients)
            {
                p.Wipe();
            }
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
