using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Federated.Federation.V1;
using Google.Protobuf;

namespace Federated.Federation.Encryption;

/// <summary>
/// End-to-end encryption of threshold shares between two parties through the coordinator: ECDH on P-256 gives a
/// shared secret only the two parties know, HKDF-SHA256 turns it into an AES-256 key, AES-GCM encrypts and
/// authenticates the share, and the associated data binds run, key epoch, sender and recipient, so the coordinator
/// can neither read a share nor re-address it. One key pair per party and epoch (never reused across epochs).
/// </summary>
public sealed class ShareSealer : IDisposable
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static ReadOnlySpan<byte> KdfInfo => "Federated threshold share v1"u8;
    private static ReadOnlySpan<byte> AadLabel => "federated-share-v1"u8;

    private readonly ECDiffieHellman _key;
    private readonly string _runId;
    private readonly uint _epoch;

    public ShareSealer(string runId, uint epoch)
    {
        ArgumentNullException.ThrowIfNull(runId);
        _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        _runId = runId;
        _epoch = epoch;
        PublicKey = _key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>This party's public key (SubjectPublicKeyInfo DER).</summary>
    public byte[] PublicKey { get; }

    /// <summary>Encrypts <paramref name="share"/> from <paramref name="from"/> to the holder of <paramref name="recipientPublicKey"/>.</summary>
    public SealedShare Seal(ReadOnlySpan<byte> share, int from, int to, ReadOnlySpan<byte> recipientPublicKey)
    {
        byte[] key = DeriveKey(recipientPublicKey);
        try
        {
            byte[] nonce = RandomNumberGenerator.GetBytes(NonceBytes);
            var ciphertext = new byte[share.Length];
            var tag = new byte[TagBytes];
            using (var gcm = new AesGcm(key, TagBytes))
            {
                gcm.Encrypt(nonce, share, ciphertext, tag, AssociatedData(from, to));
            }
            return new SealedShare
            {
                FromParty = (uint)from,
                ToParty = (uint)to,
                Nonce = ByteString.CopyFrom(nonce),
                Ciphertext = UnsafeByteOperations.UnsafeWrap(ciphertext),
                Tag = ByteString.CopyFrom(tag),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Opens a share addressed to <paramref name="to"/> (this party) from the holder of <paramref name="senderPublicKey"/>.
    /// Throws <see cref="InvalidDataException"/> when it was altered or re-addressed, or the sender's key is not a valid
    /// P-256 key. The caller zeroes the result.
    /// </summary>
    public byte[] Open(SealedShare sealedShare, int to, ReadOnlySpan<byte> senderPublicKey)
    {
        ArgumentNullException.ThrowIfNull(sealedShare);
        if (sealedShare.ToParty != (uint)to)
        {
            throw new InvalidDataException($"Sealed share from party {sealedShare.FromParty} is addressed to party {sealedShare.ToParty}, not {to}.");
        }
        if (sealedShare.Nonce.Length != NonceBytes || sealedShare.Tag.Length != TagBytes)
        {
            throw new InvalidDataException($"Sealed share from party {sealedShare.FromParty}: nonce must be {NonceBytes} bytes and tag {TagBytes}.");
        }
        byte[] key = DeriveKey(senderPublicKey);
        var plain = new byte[sealedShare.Ciphertext.Length];
        try
        {
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Decrypt(sealedShare.Nonce.Span, sealedShare.Ciphertext.Span, sealedShare.Tag.Span, plain, AssociatedData((int)sealedShare.FromParty, to));
            return plain;
        }
        catch (CryptographicException ex)
        {
            // AuthenticationTagMismatchException included: a garbage or re-addressed share is bad input from one
            // peer, which the caller drops, not a fault that may take this participant down.
            CryptographicOperations.ZeroMemory(plain);
            throw new InvalidDataException($"Sealed share from party {sealedShare.FromParty} to {to} does not authenticate: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Checks that <paramref name="publicKey"/> is exactly one P-256 SubjectPublicKeyInfo with a point that can be
    /// used for key agreement; throws <see cref="InvalidDataException"/> (never <see cref="CryptographicException"/>)
    /// otherwise. The coordinator runs it on every submitted exchange key so one site's garbage never reaches others.
    /// </summary>
    public static void ValidatePublicKey(ReadOnlySpan<byte> publicKey)
    {
        using var other = ImportPeer(publicKey);
        using var probe = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            byte[] secret = probe.DeriveRawSecretAgreement(other.PublicKey);
            CryptographicOperations.ZeroMemory(secret);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException("The exchange key is not a usable P-256 public key: " + ex.Message, ex);
        }
    }

    private static ECDiffieHellman ImportPeer(ReadOnlySpan<byte> otherPublicKey)
    {
        var other = ECDiffieHellman.Create();
        try
        {
            other.ImportSubjectPublicKeyInfo(otherPublicKey, out int read);
            if (read != otherPublicKey.Length || other.KeySize != 256 || other.ExportParameters(false).Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new InvalidDataException("The peer's exchange key is not a P-256 SubjectPublicKeyInfo.");
            }
            return other;
        }
        catch (CryptographicException ex)
        {
            other.Dispose();
            throw new InvalidDataException("The peer's exchange key is not a P-256 SubjectPublicKeyInfo: " + ex.Message, ex);
        }
        catch
        {
            other.Dispose();
            throw;
        }
    }

    private byte[] DeriveKey(ReadOnlySpan<byte> otherPublicKey)
    {
        using var other = ImportPeer(otherPublicKey);
        byte[] secret;
        try
        {
            secret = _key.DeriveRawSecretAgreement(other.PublicKey);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException("Key agreement with the peer's exchange key failed: " + ex.Message, ex);
        }
        try
        {
            // Salt: run and epoch, so a key pair reused by mistake still yields unrelated AES keys.
            byte[] salt = SHA256.HashData(Encoding.UTF8.GetBytes(_runId + "/" + _epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt, KdfInfo.ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private byte[] AssociatedData(int from, int to)
    {
        byte[] run = Encoding.UTF8.GetBytes(_runId);
        var aad = new byte[AadLabel.Length + run.Length + 8];
        AadLabel.CopyTo(aad);
        run.CopyTo(aad, AadLabel.Length);
        int o = AadLabel.Length + run.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(aad.AsSpan(o), _epoch);
        BinaryPrimitives.WriteUInt16LittleEndian(aad.AsSpan(o + 4), checked((ushort)from));
        BinaryPrimitives.WriteUInt16LittleEndian(aad.AsSpan(o + 6), checked((ushort)to));
        return aad;
    }

    public void Dispose() => _key.Dispose();
}
