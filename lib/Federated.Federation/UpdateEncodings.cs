using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Federated.Federation;

/// <summary>Names of payload encodings, as declared in upload headers and model references.</summary>
public static class UpdateEncodings
{
    /// <summary>The plain parameter vector: IEEE-754 binary32, little-endian, element i at byte 4*i.</summary>
    public const string Float32LittleEndian = "float32-le";

    /// <summary>RLWE ciphertexts (Federated.Crypto wire format) of the weighted update or of a statistics vector.</summary>
    public const string RlweV1 = "rlwe-v1";

    /// <summary>Encodings this build can produce and read.</summary>
    public static IReadOnlyList<string> Supported { get; } = [Float32LittleEndian, RlweV1];

    /// <summary>Encodes <paramref name="values"/> as <see cref="Float32LittleEndian"/>.</summary>
    public static byte[] EncodeFloat32(ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
            }
        }
        return bytes;
    }

    /// <summary>
    /// Decodes a <see cref="Float32LittleEndian"/> payload of <paramref name="expectedLength"/> elements. Returns
    /// false with a reason naming the problem when the size is wrong or a value is NaN or infinite.
    /// </summary>
    public static bool TryDecodeFloat32(ReadOnlySpan<byte> payload, long expectedLength, out float[] values, out string? error)
    {
        values = [];
        if (payload.Length != expectedLength * sizeof(float))
        {
            error = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"payload of {payload.Length} bytes does not hold {expectedLength} float32 values ({expectedLength * sizeof(float)} bytes)");
            return false;
        }
        var decoded = new float[expectedLength];
        if (BitConverter.IsLittleEndian)
        {
            payload.CopyTo(MemoryMarshal.AsBytes(decoded.AsSpan()));
        }
        else
        {
            for (int i = 0; i < decoded.Length; i++)
            {
                decoded[i] = BinaryPrimitives.ReadSingleLittleEndian(payload[(i * sizeof(float))..]);
            }
        }
        for (int i = 0; i < decoded.Length; i++)
        {
            if (!float.IsFinite(decoded[i]))
            {
                error = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"element {i} is not a finite number ({decoded[i]})");
                return false;
            }
        }
        values = decoded;
        error = null;
        return true;
    }
}
