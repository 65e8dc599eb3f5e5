namespace Federated.Federation.Security;

/// <summary>
/// File names of an identity directory as written by <c>coordinator enroll NAME --out DIR</c> and read by
/// <c>--identity DIR</c>: the holder's certificate and key (PEM), the consortium CA certificate to trust, and, for
/// operators and researchers, a bearer token.
/// </summary>
public static class IdentityFiles
{
    public const string Certificate = "client.crt.pem";
    public const string Key = "client.key.pem";
    public const string CaCertificate = "ca.crt.pem";
    public const string Token = "token";
}
