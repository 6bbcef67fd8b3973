using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Core.Vault;

/// <summary>
/// Encrypts and decrypts secrets with AES-256-GCM under one 32-byte key. Each encryption takes
/// a fresh random 12-byte nonce; the owner's id (an account id) is bound in as associated data,
/// so a ciphertext copied onto another account does not decrypt. Blob layout (format 1):
/// <c>version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)</c>.
/// </summary>
public sealed class SecretVault : IDisposable
{
    public const byte FormatVersion = 1;
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly Guid VerifierOwner = Guid.Empty;
    private static readonly byte[] VerifierText = "tollgate vault verifier"u8.ToArray();

    private readonly AesGcm _aes;

    public SecretVault(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"The vault key must be {KeySize} bytes.", nameof(key));
        }

        _aes = new AesGcm(key, TagSize);
    }

    public byte[] Encrypt(Guid owner, ReadOnlySpan<byte> plaintext)
    {
        var blob = new byte[1 + NonceSize + plaintext.Length + TagSize];
        blob[0] = FormatVersion;
        var nonce = blob.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> aad = stackalloc byte[AadSize];
        WriteAad(owner, aad);
        _aes.Encrypt(nonce, plaintext, blob.AsSpan(1 + NonceSize, plaintext.Length), blob.AsSpan(blob.Length - TagSize), aad);
        return blob;
    }

    public byte[] EncryptString(Guid owner, string plaintext)
    {
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return Encrypt(owner, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <exception cref="VaultException">The blob is damaged, from another key, or bound to another owner.</exception>
    public byte[] Decrypt(Guid owner, ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 1 + NonceSize + TagSize || blob[0] != FormatVersion)
        {
            throw new VaultException(blob.Length == 0 ? "the vault entry is empty" : $"the vault entry has an unknown format (version {blob[0]})");
        }

        var plaintext = new byte[blob.Length - 1 - NonceSize - TagSize];
        Span<byte> aad = stackalloc byte[AadSize];
        WriteAad(owner, aad);
        try
        {
            _aes.Decrypt(blob.Slice(1, NonceSize), blob.Slice(1 + NonceSize, plaintext.Length), blob[^TagSize..], plaintext, aad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new VaultException("the vault entry does not decrypt: it is damaged or was written with another vault key", e);
        }

        return plaintext;
    }

    public string DecryptString(Guid owner, ReadOnlySpan<byte> blob)
    {
        var bytes = Decrypt(owner, blob);
        try
        {
            return Encoding.UTF8.GetString(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>A known value encrypted under this key, stored with the vault header to tell a wrong key from a damaged entry.</summary>
    public byte[] CreateVerifier() => Encrypt(VerifierOwner, VerifierText);

    public bool Verifies(ReadOnlySpan<byte> verifier)
    {
        try
        {
            return Decrypt(VerifierOwner, verifier).AsSpan().SequenceEqual(VerifierText);
        }
        catch (VaultException)
        {
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();

    private const int AadSize = 16 + 16;

    // A fixed 16-byte label (naming the format) followed by the owner's id.
    private static void WriteAad(Guid owner, Span<byte> aad)
    {
        "tollgate-vault/1"u8.CopyTo(aad);
        owner.TryWriteBytes(aad[16..], bigEndian: true, out _);
    }
}
