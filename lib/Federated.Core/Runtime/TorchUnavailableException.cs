namespace Federated.Core.Runtime;

/// <summary>TorchSharp's native libraries cannot be loaded on this machine.</summary>
public sealed class TorchUnavailableException : Exception
{
    public TorchUnavailableException() { }
    public TorchUnavailableException(string message) : base(message) { }
    public TorchUnavailableException(string message, Exception inner) : base(message, inner) { }
}
