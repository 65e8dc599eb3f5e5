using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Federated.Federation.Security;

/// <summary>
/// How a consortium certificate names its holder: a subject alternative name URI
/// <c>urn:federated:ROLE:NAME</c> (authoritative), mirrored in the subject as CN=NAME, OU=ROLE for humans.
/// Names follow the site id rules: 1-64 characters from [A-Za-z0-9._-].
/// </summary>
public static partial class IdentityUri
{
    public const string Prefix = "urn:federated:";

    private const string SubjectAlternativeNameOid = "2.5.29.17";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    /// <summary>True for a valid identity (and site) name.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static string Format(string name, FederationRole role)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"identity name \"{name}\" is invalid: use 1-64 characters from [A-Za-z0-9._-]", nameof(name));
        }
        return Prefix + role.Name() + ":" + name;
    }

    public static bool TryParse(string? uri, out string name, out FederationRole role)
    {
        name = "";
        role = default;
        if (uri is null || !uri.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = uri.AsSpan(Prefix.Length);
        int colon = rest.IndexOf(':');
        if (colon < 0 || !FederationRoles.TryParse(rest[..colon].ToString(), out role))
        {
            return false;
        }
        name = rest[(colon + 1)..].ToString();
        return IsValidName(name);
    }

    /// <summary>All URI entries of the certificate's subject alternative name extension.</summary>
    public static IReadOnlyList<string> ReadSanUris(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var uris = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid)
            {
                continue;
            }
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(uriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        return uris;
    }

    /// <summary>Reads the identity a consortium certificate carries; false (with why) when it carries none or several.</summary>
    public static bool TryRead(X509Certificate2 certificate, out string name, out FederationRole role, out string why)
    {
        name = "";
        role = default;
        IReadOnlyList<string> uris;
        try
        {
            uris = ReadSanUris(certificate);
        }
        catch (AsnContentException ex)
        {
            why = "its subject alternative name is malformed: " + ex.Message;
            return false;
        }
        var identities = uris.Where(u => u.StartsWith(Prefix, StringComparison.Ordinal)).ToArray();
        if (identities.Length != 1)
        {
            why = identities.Length == 0 ? $"it carries no {Prefix}ROLE:NAME identity" : "it carries more than one identity";
            return false;
        }
        if (!TryParse(identities[0], out name, out role))
        {
            why = $"its identity \"{identities[0]}\" is not {Prefix}ROLE:NAME with a known role and a valid name";
            return false;
        }
        why = "";
        return true;
    }
}
