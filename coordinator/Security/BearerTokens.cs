using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Federated.Federation.Security;

namespace Federated.Coordinator.Security;

/// <summary>The claims a verified bearer token carries.</summary>
internal sealed record TokenClaims(string Name, FederationRole Role, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Id);

/// <summary>
/// Bearer tokens for operators and researchers: <c>fed1.BASE64URL(json claims).BASE64URL(HMAC-SHA256)</c>, the MAC
/// taken with the CA directory's token key over <c>"fed1." + claims part</c>. Claims: sub (name), role, iat and exp
/// (Unix seconds), jti (random id). Participants authenticate with certificates only.
/// </summary>
internal static class BearerTokens
{
    public const string Version = "fed1";

    public static string Issue(ReadOnlySpan<byte> key, string name, FederationRole role, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        if (!IdentityUri.IsValidName(name))
        {
            throw new ArgumentException($"identity name \"{name}\" is invalid: use 1-64 characters from [A-Za-z0-9._-]", nameof(name));
        }
        if (role == FederationRole.Participant)
        {
            throw new ArgumentException("participants authenticate with certificates; tokens are issued to operators and researchers only", nameof(role));
        }
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sub", name);
            json.WriteString("role", role.Name());
            json.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", expiresAt.ToUnixTimeSeconds());
            json.WriteString("jti", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));
            json.WriteEndObject();
        }
        string claims = Base64Url.EncodeToString(buffer.ToArray());
        return Version + "." + claims + "." + Base64Url.EncodeToString(Mac(key, claims));
    }

    /// <summary>Checks the MAC (in constant time), then the claims and the expiry; <paramref name="why"/> says what failed.</summary>
    public static bool TryVerify(ReadOnlySpan<byte> key, string? token, DateTimeOffset now, out TokenClaims? claims, out string why)
    {
        claims = null;
        var parts = (token ?? "").Split('.');
        if (parts.Length != 3 || parts[0] != Version)
        {
            why = $"it is not a {Version}.CLAIMS.MAC token";
            return false;
        }
        byte[] mac;
        byte[] body;
        try
        {
            mac = Base64Url.DecodeFromChars(parts[2]);
            body = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException)
        {
            why = "it is not valid base64url";
            return false;
        }
        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(key, parts[1])))
        {
            why = "its signature does not match (tampered with, or issued by another CA)";
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            string name = root.GetProperty("sub").GetString() ?? "";
            string roleName = root.GetProperty("role").GetString() ?? "";
            var issued = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("iat").GetInt64());
            var expires = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64());
            string id = root.GetProperty("jti").GetString() ?? "";
            if (!IdentityUri.IsValidName(name) || !FederationRoles.TryParse(roleName, out var role) || role == FederationRole.Participant)
            {
                why = $"its claims (sub \"{name}\", role \"{roleName}\") are not an operator or researcher identity";
                return false;
            }
            if (now >= expires)
            {
                why = string.Create(CultureInfo.InvariantCulture, $"it expired at {expires:O}");
                return false;
            }
            if (now < issued.AddMinutes(-5))
            {
                why = string.Create(CultureInfo.InvariantCulture, $"it is not valid before {issued:O}");
                return false;
            }
            claims = new TokenClaims(name, role, issued, expires, id);
            why = "";
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            why = "its claims are malformed";
            return false;
        }
    }

    private static byte[] Mac(ReadOnlySpan<byte> key, string claimsPart) =>
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(Version + "." + claimsPart));
}
