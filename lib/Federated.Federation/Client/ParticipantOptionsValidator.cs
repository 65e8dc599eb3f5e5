using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Federated.Federation.Client;

/// <summary>Checks <see cref="ParticipantOptions"/> at start; each failure names the setting.</summary>
public sealed partial class ParticipantOptionsValidator : IValidateOptions<ParticipantOptions>
{
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SiteIdPattern();

    public ValidateOptionsResult Validate(string? name, ParticipantOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Coordinator is null || !options.Coordinator.IsAbsoluteUri || (options.Coordinator.Scheme != Uri.UriSchemeHttp && options.Coordinator.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Participant:Coordinator must be an absolute http:// or https:// address (got \"{options.Coordinator}\").");
        }
        if (!SiteIdPattern().IsMatch(options.SiteId ?? ""))
        {
            failures.Add($"Participant:SiteId must be 1-64 characters from [A-Za-z0-9._-] (got \"{options.SiteId}\").");
        }
        if (options.MaxModelBytes < 1)
        {
            failures.Add($"Participant:MaxModelBytes must be positive (got {options.MaxModelBytes}).");
        }
        failures.AddRange(options.Resilience?.Validate() ?? ["Participant:Resilience must be set."]);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
