using Federated.Crypto.Ring;

namespace Federated.Crypto.Multiparty;

/// <summary>Lagrange coefficients at 0 for Shamir points α = party index: l_j = Π_{k∈L, k≠j} α_k / (α_k − α_j) mod q.</summary>
internal static class Lagrange
{
    public static ulong[] Coefficient(RingQ ring, int j, IReadOnlyList<int> activeSet)
    {
        var result = new ulong[ring.Levels];
        for (int l = 0; l < ring.Levels; l++)
        {
            Modulus m = ring.Moduli[l];
            ulong num = 1;
            ulong den = 1;
            foreach (int k in activeSet)
            {
                if (k == j)
                {
                    continue;
                }

                num = m.Mul(num, (ulong)k);
                long diff = (long)k - j;
                ulong d = diff >= 0 ? (ulong)diff : m.Value - (ulong)(-diff);
                den = m.Mul(den, d);
            }

            result[l] = m.Mul(num, m.Inverse(den));
        }

        return result;
    }
}
