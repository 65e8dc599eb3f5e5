using TorchSharp;
using static TorchSharp.torch;

namespace Federated.Core.Twin;

/// <summary>
/// Arithmetic for the twin's hot paths that never hands libtorch a temporary <see cref="Scalar"/>. TorchSharp 0.107
/// turns the number in <c>t * 0.5</c>, and the implicit alpha of <c>a + b</c> and <c>a - b</c>, into a Scalar and
/// passes only its raw handle to native code; a garbage collection during that call can finalise the Scalar, and
/// libtorch then reads freed memory ("Expected false to be true" in <c>c10::Scalar::to…</c>). Reproduced with several
/// trainers in one process under frequent collections. Scalars held in static fields cannot be finalised.
/// </summary>
internal static class PinnedScalars
{
    private static readonly Scalar One = 1.0;
    private static readonly Scalar MinusOne = -1.0;

    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    public static Tensor Minus(this Tensor left, Tensor right) => left.add(right, MinusOne);

    /// <summary>Multiplies by a constant that must be one of the pinned values below.</summary>
    public static Tensor Times(this Tensor tensor, Scalar pinned) => tensor.mul(pinned);

    public static readonly Scalar Zero = 0L;
    public static readonly Scalar PerKilo = 1.0 / 1000.0;
    public static readonly Scalar Tenth = 0.1;
}
