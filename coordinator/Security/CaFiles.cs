namespace Federated.Coordinator.Security;

/// <summary>File names inside a consortium CA directory.</summary>
internal static class CaFiles
{
    public const string Certificate = "ca.crt.pem";
    public const string Key = "ca.key.pem";
    public const string TokenKey = "token.key";
    public const string ServerCertificate = "server.crt.pem";
    public const string ServerKey = "server.key.pem";
    public const string Revocations = "revocations.jsonl";
    public const string Audit = "audit.jsonl";
}
