namespace Federated.Federation.Security;

/// <summary>What an enrolled identity may do; carried by its certificate or bearer token.</summary>
public enum FederationRole
{
    /// <summary>A site: joins runs, receives tasks, uploads updates, reports evaluation sums.</summary>
    Participant,

    /// <summary>Runs the federation: starts and stops runs, changes configuration, enrols and revokes identities.</summary>
    Operator,

    /// <summary>Reads reports and round metrics, nothing else.</summary>
    Researcher,
}

/// <summary>Names and parsing of <see cref="FederationRole"/> as they appear in certificates, tokens and commands.</summary>
public static class FederationRoles
{
    public static IReadOnlyList<FederationRole> All { get; } = [FederationRole.Participant, FederationRole.Operator, FederationRole.Researcher];

    /// <summary>"participant", "operator" or "researcher".</summary>
    public static string Name(this FederationRole role) => role switch
    {
        FederationRole.Participant => "participant",
        FederationRole.Operator => "operator",
        FederationRole.Researcher => "researcher",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    /// <summary>Parses a role name (case-sensitive, as written by <see cref="Name"/>).</summary>
    public static bool TryParse(string? text, out FederationRole role)
    {
        switch (text)
        {
            case "participant": role = FederationRole.Participant; return true;
            case "operator": role = FederationRole.Operator; return true;
            case "researcher": role = FederationRole.Researcher; return true;
            default: role = default; return false;
        }
    }
}
