namespace Federated.Crypto.Ring;

/// <summary>Uniform ternary vectors in {−1, 0, 1}: each byte below 243 = 3^5 yields five base-3 digits (rejection, no bias).</summary>
internal static class TernarySampler
{
    public static void Sample(IRandomSource source, Span<long> result)
    {
        Span<byte> buf = stackalloc byte[256];
        int filled = 0;
        try
        {
            while (filled < result.Length)
            {
                source.Fill(buf);
                for (int i = 0; i < buf.Length && filled < result.Length; i++)
                {
                    uint b = buf[i];
                    if (b >= 243)
                    {
                        continue;
                    }

                    for (int d = 0; d < 5 && filled < result.Length; d++)
                    {
                        uint q = b / 3;
                        result[filled++] = (long)(b - (q * 3)) - 1;
                        b = q;
                    }
                }
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buf);
        }
    }
}
