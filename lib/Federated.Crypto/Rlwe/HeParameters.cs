using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Federated.Crypto.Ring;

namespace Federated.Crypto.Rlwe;

/// <summary>
/// A validated, immutable parameter set: the ring, the fixed-point encoding and the noise budget derived from them.
/// Thread-safe (immutable after construction).
/// </summary>
public sealed class HeParameters
{
    /// <summary>log2 Q ceilings for 128-bit classical security with a ternary secret (HomomorphicEncryption.org standard).</summary>
    private static readonly Dictionary<int, int> MaxLogQ128 = new()
    {
        [1024] = 27,
        [2048] = 54,
        [4096] = 109,
        [8192] = 218,
        [16384] = 438,
        [32768] = 881,
    };

    /// <summary>"Long-lived keys": N = 8192, 3 × 60-bit primes, D = 2^20, |x| ≤ 2^15 with f = 32, up to 10 000 parties.</summary>
    public static HeParameterLiteral LongLivedKeysLiteral { get; } = new()
    {
        Name = "long-lived-n8192-q180",
        Id = 1,
        LogN = 13,
        Moduli = [0xfffffffffffc001UL, 0xffffffffffe8001UL, 0xffffffffffd8001UL],
        MaxAbsValue = 32768,
        FractionalBits = 32,
        MaxParticipants = 10_000,
        MaxDecryptionsPerKey = 1L << 20,
    };

    /// <summary>"Compact": N = 8192, 2 × 60-bit primes, keys rotated every round (D = 2^7), |x| ≤ 8 with f = 22, up to 100 parties.</summary>
    public static HeParameterLiteral CompactLiteral { get; } = new()
    {
        Name = "compact-n8192-q120",
        Id = 2,
        LogN = 13,
        Moduli = [0xfffffffffffc001UL, 0xffffffffffe8001UL],
        MaxAbsValue = 8,
        FractionalBits = 22,
        MaxParticipants = 100,
        MaxDecryptionsPerKey = 1L << 7,
    };

    private static readonly Lazy<HeParameters> LongLived = new(() => Create(LongLivedKeysLiteral));
    private static readonly Lazy<HeParameters> CompactSet = new(() => Create(CompactLiteral));

    /// <summary>The long-lived-keys set (3 primes).</summary>
    public static HeParameters LongLivedKeys => LongLived.Value;

    /// <summary>The compact set (2 primes, 30 B per value on the wire).</summary>
    public static HeParameters Compact => CompactSet.Value;

    /// <summary>The project default; see docs/crypto.md for why.</summary>
    public static HeParameters Default => Compact;

    /// <summary>Resolves a built-in set from the id found in a wire header.</summary>
    public static HeParameters FromId(ushort id) => id switch
    {
        1 => LongLivedKeys,
        2 => Compact,
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, $"No built-in parameter set has id {id}."),
    };

    private HeParameters(HeParameterLiteral literal, RingQ ring, BigInteger q, double logQ, double ctBound, UInt128 smudging, int guardBits, long maxEncoded, uint fingerprint)
    {
        Literal = literal;
        Ring = ring;
        Q = q;
        LogQ = logQ;
        CiphertextNoiseBound = ctBound;
        SmudgingBound = smudging;
        GuardBits = guardBits;
        MaxEncodedMagnitude = maxEncoded;
        Fingerprint = fingerprint;
        ModuliBitWidths = ring.Moduli.Select(m => m.BitLength).ToArray();
        PolyPackedBytes = (int)(((long)ring.N * ModuliBitWidths.Sum() + 7) / 8);
        GuardScale = ring.Moduli.Select(m => (ulong)(BigInteger.ModPow(2, guardBits, m.Value))).ToArray();
        CrtInverse = ring.Moduli.Length >= 2 ? ring.Moduli[1].Inverse(ring.Moduli[0].Value) : 0;
    }

    public HeParameterLiteral Literal { get; }

    public string Name => Literal.Name;

    public ushort Id => Literal.Id;

    /// <summary>Ring degree: also the number of values one ciphertext carries.</summary>
    public int N => Ring.N;

    public int ModulusCount => Ring.Levels;

    /// <summary>Q = Π q_i.</summary>
    public BigInteger Q { get; }

    public double LogQ { get; }

    public bool IsInsecure => Literal.InsecureForTestingOnly;

    /// <summary>B_ct: high-probability bound on the noise of an aggregate of P_max fresh ciphertexts.</summary>
    public double CiphertextNoiseBound { get; }

    /// <summary>B_sm: each decryption share carries smudging noise uniform on [−B_sm, B_sm].</summary>
    public UInt128 SmudgingBound { get; }

    /// <summary>g: encoded integers are multiplied by 2^g so that all noise stays below 2^(g−1).</summary>
    public int GuardBits { get; }

    /// <summary>ceil(X_max · 2^f): the largest encoded magnitude of one value (and of the companion scalar).</summary>
    public long MaxEncodedMagnitude { get; }

    /// <summary>First 4 bytes of SHA-256 over the canonical literal; carried in wire headers to catch mismatched sets.</summary>
    public uint Fingerprint { get; }

    /// <summary>Bytes one polynomial occupies on the wire.</summary>
    public int PolyPackedBytes { get; }

    internal RingQ Ring { get; }

    internal int[] ModuliBitWidths { get; }

    internal ulong[] GuardScale { get; }

    /// <summary>q_0^{-1} mod q_1, for the two-prime CRT fast path.</summary>
    internal ulong CrtInverse { get; }

    public double MaxAbsValue => Literal.MaxAbsValue;

    public int FractionalBits => Literal.FractionalBits;

    public int MaxParticipants => Literal.MaxParticipants;

    public long MaxDecryptionsPerKey => Literal.MaxDecryptionsPerKey;

    /// <summary>Number of ciphertexts needed for a vector of <paramref name="valueCount"/> values plus the companion scalar.</summary>
    public int ChunkCount(int valueCount) => (int)(((long)valueCount + 1 + N - 1) / N);

    /// <summary>Validates a literal; throws <see cref="ArgumentException"/> naming the offending field.</summary>
    public static HeParameters Create(HeParameterLiteral literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        string name = string.IsNullOrEmpty(literal.Name) ? $"#{literal.Id}" : literal.Name;
        if (literal.LogN < 1 || literal.LogN > 16)
        {
            throw new ArgumentException($"Parameter set '{name}': LogN = {literal.LogN} must be in [1, 16].", nameof(literal));
        }

        int n = 1 << literal.LogN;
        if (literal.Moduli is null || literal.Moduli.Count == 0 || literal.Moduli.Count > 8)
        {
            throw new ArgumentException($"Parameter set '{name}': Moduli must list 1 to 8 primes.", nameof(literal));
        }

        var seen = new HashSet<ulong>();
        foreach (ulong q in literal.Moduli)
        {
            if (q >= 1UL << 62 || !Modulus.IsPrime(q))
            {
                throw new ArgumentException($"Parameter set '{name}': modulus {q:#x} must be a prime below 2^62.", nameof(literal));
            }

            if ((q - 1) % (ulong)(2 * n) != 0)
            {
                throw new ArgumentException($"Parameter set '{name}': modulus {q:#x} is not 1 mod 2N = {2 * n} (no negacyclic NTT).", nameof(literal));
            }

            if (!seen.Add(q))
            {
                throw new ArgumentException($"Parameter set '{name}': modulus {q:#x} is listed twice.", nameof(literal));
            }
        }

        BigInteger bigQ = BigInteger.One;
        foreach (ulong q in literal.Moduli)
        {
            bigQ *= q;
        }

        double logQ = BigInteger.Log(bigQ, 2);
        if (!literal.InsecureForTestingOnly)
        {
            if (!MaxLogQ128.TryGetValue(n, out int maxLogQ))
            {
                throw new ArgumentException($"Parameter set '{name}' is insecure: N = {n} is below the HE-standard table (N ≥ 1024) for 128-bit security.", nameof(literal));
            }

            if (logQ > maxLogQ)
            {
                throw new ArgumentException($"Parameter set '{name}' is insecure: log2(Q) = {logQ:F1} exceeds {maxLogQ}, the HE-standard maximum for 128-bit security at N = {n}.", nameof(literal));
            }
        }

        if (!double.IsFinite(literal.MaxAbsValue) || literal.MaxAbsValue <= 0)
        {
            throw new ArgumentException($"Parameter set '{name}': MaxAbsValue = {literal.MaxAbsValue} must be a positive finite number.", nameof(literal));
        }

        if (literal.FractionalBits < 0 || literal.FractionalBits > 62)
        {
            throw new ArgumentException($"Parameter set '{name}': FractionalBits = {literal.FractionalBits} must be in [0, 62].", nameof(literal));
        }

        if (literal.MaxParticipants < 1 || literal.MaxParticipants > 1_000_000)
        {
            throw new ArgumentException($"Parameter set '{name}': MaxParticipants = {literal.MaxParticipants} must be in [1, 1000000].", nameof(literal));
        }

        if (literal.MaxDecryptionsPerKey < 1 || literal.MaxDecryptionsPerKey > 1L << 40)
        {
            throw new ArgumentException($"Parameter set '{name}': MaxDecryptionsPerKey = {literal.MaxDecryptionsPerKey} must be in [1, 2^40].", nameof(literal));
        }

        double scaled = Math.Ceiling(literal.MaxAbsValue * Math.Pow(2, literal.FractionalBits));
        if (scaled >= 4611686018427387904.0)
        {
            throw new ArgumentException($"Parameter set '{name}': MaxAbsValue · 2^FractionalBits = {scaled:G4} must stay below 2^62.", nameof(literal));
        }

        long maxEncoded = (long)scaled;
        int p = literal.MaxParticipants;

        // The encoder lifts a negative M to M + q_l with one addition, which needs |M| < q_l in every prime.
        ulong smallestQ = literal.Moduli.Min();
        if ((ulong)maxEncoded >= smallestQ)
        {
            throw new ArgumentException(
                $"Parameter set '{name}': MaxAbsValue · 2^FractionalBits = {scaled:G4} must stay below the smallest modulus {smallestQ} (each plaintext value must be reducible by one addition).",
                nameof(literal));
        }

        // B_ct = 8.3 σ sqrt(P (1 + 4NP/3)): the aggregate noise e·Σu_i + Σe0_i + Σe1_i·s for P encryptors and P key shares.
        double sigma = Math.Sqrt(CenteredBinomialSampler.Variance);
        double ctBound = Math.Ceiling(8.3 * sigma * Math.Sqrt(p * (1 + (4.0 * n * p / 3.0))));

        // B_sm = 2^40 · N · D · B_ct, exact: one party's smudging must hide the aggregate noise on its own.
        BigInteger smudge = (BigInteger.One << 40) * n * literal.MaxDecryptionsPerKey * new BigInteger(ctBound);
        if (smudge >= BigInteger.One << 120)
        {
            throw new ArgumentException($"Parameter set '{name}': the smudging bound 2^{BigInteger.Log(smudge, 2):F1} exceeds 2^120; lower MaxDecryptionsPerKey or MaxParticipants.", nameof(literal));
        }

        // g = ceil(log2(2 (P · B_sm + B_ct))): the total noise of a combined decryption stays below 2^(g−1).
        BigInteger noise = (p * smudge) + new BigInteger(ctBound);
        int guard = (int)(2 * noise - 1).GetBitLength();

        // The decoded integer 2^g Σ M + noise must stay inside (−Q/2, Q/2) for P parties at ±X_max.
        BigInteger worst = ((BigInteger)p * maxEncoded << guard) + (BigInteger.One << (guard - 1));
        if (2 * worst >= bigQ)
        {
            double room = logQ - 1 - guard - Math.Log2(p);
            throw new ArgumentException(
                $"Parameter set '{name}': no room for the encoding: log2(X_max) + f = {Math.Log2(scaled):F1} bits but only {room:F1} bits remain after {guard} guard bits for P = {p}.",
                nameof(literal));
        }

        if ((BigInteger)p * maxEncoded >= long.MaxValue)
        {
            throw new ArgumentException($"Parameter set '{name}': P · X_max · 2^f must fit in 63 bits.", nameof(literal));
        }

        var ring = new RingQ(n, literal.Moduli.ToArray());
        return new HeParameters(literal, ring, bigQ, logQ, ctBound, (UInt128)smudge, guard, maxEncoded, ComputeFingerprint(literal));
    }

    private static uint ComputeFingerprint(HeParameterLiteral l)
    {
        var buf = new List<byte>();
        void Add64(ulong v)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, v);
            buf.AddRange(b.ToArray());
        }

        Add64(l.Id);
        Add64((ulong)l.LogN);
        Add64((ulong)l.Moduli.Count);
        foreach (ulong q in l.Moduli)
        {
            Add64(q);
        }

        Add64((ulong)BitConverter.DoubleToInt64Bits(l.MaxAbsValue));
        Add64((ulong)l.FractionalBits);
        Add64((ulong)l.MaxParticipants);
        Add64((ulong)l.MaxDecryptionsPerKey);
        Add64(l.InsecureForTestingOnly ? 1UL : 0UL);
        byte[] hash = SHA256.HashData(buf.ToArray());
        return BinaryPrimitives.ReadUInt32LittleEndian(hash);
    }

    public override string ToString() =>
        $"{Name} (id {Id}, N = {N}, log2 Q = {LogQ:F1}, g = {GuardBits}, X_max = {MaxAbsValue}, f = {FractionalBits}, P ≤ {MaxParticipants}, D = {MaxDecryptionsPerKey}){(IsInsecure ? " [INSECURE: tests only]" : "")}";
}
