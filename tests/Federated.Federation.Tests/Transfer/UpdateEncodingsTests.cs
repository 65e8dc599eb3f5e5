namespace Federated.Federation.Tests.Transfer;

public class UpdateEncodingsTests
{
    [Fact]
    public void Float32_RoundTrips_LittleEndian()
    {
        float[] values = [1f, -2.5f, float.Epsilon, 3.4e38f];

        var bytes = UpdateEncodings.EncodeFloat32(values);

        Assert.Equal(16, bytes.Length);
        Assert.Equal([0x00, 0x00, 0x80, 0x3F], bytes[..4]);
        Assert.True(UpdateEncodings.TryDecodeFloat32(bytes, 4, out var decoded, out var error), error);
        Assert.Equal(values, decoded);
    }

    [Fact]
    public void TryDecodeFloat32_NonFinite_RejectedNamingElement()
    {
        var bytes = UpdateEncodings.EncodeFloat32([0f, float.NaN]);

        Assert.False(UpdateEncodings.TryDecodeFloat32(bytes, 2, out _, out var error));
        Assert.Equal("element 1 is not a finite number (NaN)", error);
    }

    [Fact]
    public void TryDecodeFloat32_WrongSize_Rejected()
    {
        Assert.False(UpdateEncodings.TryDecodeFloat32(new byte[7], 2, out _, out var error));
        Assert.Equal("payload of 7 bytes does not hold 2 float32 values (8 bytes)", error);
    }
}
