using Federated.Federation.V1;

namespace Federated.Federation;

/// <summary>The protocol version this library implements (see <c>protos/federated/v1/federation.proto</c>).</summary>
public static class ProtocolInfo
{
    /// <summary>Incompatible changes raise it; it is also the package suffix (<c>federated.v1</c>).</summary>
    public const uint Major = 1;

    /// <summary>Backwards-compatible additions raise it.</summary>
    public const uint Minor = 0;

    /// <summary>A new message holding <see cref="Major"/>.<see cref="Minor"/>.</summary>
    public static ProtocolVersion Current => new() { Major = Major, Minor = Minor };

    /// <summary>"major.minor", for messages.</summary>
    public static string Format(ProtocolVersion? version) =>
        version is null ? "(none)" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{version.Major}.{version.Minor}");
}
