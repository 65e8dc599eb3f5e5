using Federated.Crypto.Rlwe;
using Federated.Federation.V1;

namespace Federated.Coordinator.Encryption;

/// <summary>
/// The coordinator's record of one key ceremony (one epoch): what each party published, phase by phase. It holds
/// only public material and sealed shares it cannot open. Guarded by the owning run's lock.
/// </summary>
internal sealed class KeyCeremony
{
    public KeyCeremony(uint epoch, HeParameters parameters, string[] parties, string[] tokens, int threshold, int minContributors, long budget, DateTimeOffset deadline)
    {
        Epoch = epoch;
        Parameters = parameters;
        Parties = parties;
        Tokens = tokens;
        Threshold = threshold;
        MinContributors = minContributors;
        Budget = budget;
        Deadline = deadline;
        int n = parties.Length;
        Commitments = new byte[n][];
        ExchangeKeys = new byte[n][];
        Contributions = new byte[n][];
        PublicKeyShares = new byte[n][];
        SealedFrom = new int[n];
        Ready = new bool[n];
    }

    public uint Epoch { get; }
    public HeParameters Parameters { get; }
    /// <summary>Site ids in party order (party index = position + 1).</summary>
    public string[] Parties { get; }
    /// <summary>Each party's session token when the ceremony started: a party that re-joins loses its key.</summary>
    public string[] Tokens { get; }
    public int Threshold { get; }
    public int MinContributors { get; }
    public long Budget { get; }
    public DateTimeOffset Deadline { get; }
    public KeyCeremonyPhase Phase { get; set; } = KeyCeremonyPhase.Commit;
    public byte[]?[] Commitments { get; }
    public byte[]?[] ExchangeKeys { get; }
    public byte[]?[] Contributions { get; }
    public byte[]?[] PublicKeyShares { get; }
    /// <summary>Sealed threshold shares by recipient party index.</summary>
    public Dictionary<int, List<SealedShare>> Sealed { get; } = [];
    /// <summary>Sealed shares received from each party.</summary>
    public int[] SealedFrom { get; }
    public bool[] Ready { get; }
    public byte[]? PublicKey { get; set; }
    public byte[]? PublicKeySha256 { get; set; }
    public TaskCompletionSource PhaseDone { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int PartyCount => Parties.Length;
    public bool IsThreshold => Threshold < Parties.Length;

    public int IndexOf(string site) => Array.IndexOf(Parties, site) + 1;

    /// <summary>True when every party has answered the current phase.</summary>
    public bool PhaseComplete() => Phase switch
    {
        KeyCeremonyPhase.Commit => Commitments.All(c => c is not null),
        KeyCeremonyPhase.Reveal => Contributions.All(c => c is not null),
        KeyCeremonyPhase.Keygen => PublicKeyShares.All(c => c is not null),
        KeyCeremonyPhase.Finish => Ready.All(r => r),
        _ => false,
    };
}

/// <summary>The collective key in use: who holds shares of it and how much of its decryption budget is spent.</summary>
internal sealed class ActiveKey(KeyCeremony ceremony, PublicKey publicKey)
{
    public uint Epoch { get; } = ceremony.Epoch;
    public string[] Parties { get; } = ceremony.Parties;
    public string[] Tokens { get; } = ceremony.Tokens;
    public int Threshold { get; } = ceremony.Threshold;
    public int MinContributors { get; } = ceremony.MinContributors;
    public long Budget { get; } = ceremony.Budget;
    public PublicKey PublicKey { get; } = publicKey;
    /// <summary>Ciphertext chunks the parties were asked to decrypt under this key.</summary>
    public long Used { get; set; }

    public int IndexOf(string site) => Array.IndexOf(Parties, site) + 1;

    /// <summary>True when <paramref name="site"/> is a party of this key with the session it had at the ceremony.</summary>
    public bool IsHeldBy(string site, string? token)
    {
        int i = Array.IndexOf(Parties, site);
        return i >= 0 && string.Equals(Tokens[i], token, StringComparison.Ordinal);
    }
}
