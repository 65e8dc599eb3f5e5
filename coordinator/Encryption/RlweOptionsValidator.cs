using Federated.Coordinator.Options;
using Federated.Crypto.Rlwe;
using Federated.Federation.Encryption;

namespace Federated.Coordinator.Encryption;

/// <summary>Checks the "Federation:Rlwe" settings; each failure names the setting and the value.</summary>
internal static class RlweOptionsValidator
{
    /// <summary>The parameter set a name stands for, or null.</summary>
    public static HeParameters? Resolve(string name) => name switch
    {
        "compact" => HeParameters.Compact,
        "long-lived" => HeParameters.LongLivedKeys,
        _ => null,
    };

    public static IEnumerable<string> Validate(FederationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Rlwe;
        if (options.MinParticipants < 2)
        {
            yield return $"Federation:MinParticipants must be at least 2 with Federation:Encryption=rlwe (got {options.MinParticipants}): a sum of one is that site's data.";
        }
        var parameters = Resolve(o.ParameterSet);
        if (parameters is null)
        {
            yield return $"Federation:Rlwe:ParameterSet \"{o.ParameterSet}\" is unknown; supported: compact, long-lived.";
            yield break;
        }
        if (o.Threshold is < 0 or 1)
        {
            yield return $"Federation:Rlwe:Threshold must be 0 (= ceil(2N/3)) or at least 2 (got {o.Threshold}).";
        }
        if (o.MaxDecryptionsPerKey < 0 || o.MaxDecryptionsPerKey > parameters.MaxDecryptionsPerKey)
        {
            yield return $"Federation:Rlwe:MaxDecryptionsPerKey must be in [0, {parameters.MaxDecryptionsPerKey}] for parameter set {o.ParameterSet} (got {o.MaxDecryptionsPerKey}).";
        }
        if (o.CeremonyDeadline <= TimeSpan.Zero || o.DecryptionDeadline <= TimeSpan.Zero)
        {
            yield return $"Federation:Rlwe:CeremonyDeadline and DecryptionDeadline must be positive (got {o.CeremonyDeadline}, {o.DecryptionDeadline}).";
        }
        string? planError = null;
        try
        {
            EncryptionPlan.Create(parameters, o.FractionalBits, o.Clip, o.SampleCap);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            planError = $"Federation:Rlwe ({ex.ParamName}): {ex.Message.Split(" (Parameter", 2)[0]}";
        }
        if (planError is not null)
        {
            yield return planError;
        }
    }
}
