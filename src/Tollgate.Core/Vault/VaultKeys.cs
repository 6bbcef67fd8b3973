using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Tollgate.Core.Vault;

/// <summary>Where the vault key comes from, for one command or one gateway run.</summary>
public sealed record VaultKeyOptions
{
    /// <summary><c>vault.key</c> in the data directory.</summary>
    public required string KeyFilePath { get; init; }

    /// <summary>The master passphrase when one was given (<c>TOLLGATE_MASTER_KEY</c>).</summary>
    public string? Passphrase { get; init; }

    /// <summary>Asks for the passphrase on a terminal; null when there is none.</summary>
    public Func<string?>? Prompt { get; init; }

    /// <summary>Costs for a new passphrase-derived key (tests lower them).</summary>
    public Argon2Parameters Argon2 { get; init; } = Argon2Parameters.Default;
}

/// <summary>Turns a header and the user's key material into a key, and makes new key material.</summary>
public static class VaultKeys
{
    public const int SaltSize = 16;

    public static byte[] Derive(string passphrase, byte[] salt, Argon2Parameters parameters)
    {
        var password = Encoding.UTF8.GetBytes(passphrase);
        try
        {
            using var argon = new Argon2id(password)
            {
                Salt = salt,
                MemorySize = parameters.MemoryKib,
                Iterations = parameters.Iterations,
                DegreeOfParallelism = parameters.Parallelism,
            };
            return argon.GetBytes(SecretVault.KeySize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }

    /// <summary>Reads <c>vault.key</c>; refuses a file others can read, as ssh does with private keys.</summary>
    public static byte[]? ReadKeyFile(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new VaultException($"{path} can be read by other users; run: chmod 600 {path}");
            }
        }

        var key = File.ReadAllBytes(path);
        if (key.Length != SecretVault.KeySize)
        {
            throw new VaultException($"{path} is not a vault key ({key.Length} bytes instead of {SecretVault.KeySize})");
        }

        return key;
    }

    /// <summary>Writes a fresh random key to <paramref name="path"/>, created with mode 0600 (never wider, not even briefly).</summary>
    public static byte[] WriteNewKeyFile(string path)
    {
        var key = RandomNumberGenerator.GetBytes(SecretVault.KeySize);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }

        return key;
    }

    /// <summary>A header and key for a new vault, or for the target of a rotation.</summary>
    public static (VaultHeader Header, SecretVault Vault) Create(VaultKdf kdf, byte[] key, Argon2Parameters? argon2, byte[]? salt)
    {
        var vault = new SecretVault(key);
        return (new VaultHeader(SecretVault.FormatVersion, kdf, salt, argon2, vault.CreateVerifier()), vault);
    }

    public static (VaultHeader Header, SecretVault Vault) CreateFromPassphrase(string passphrase, Argon2Parameters parameters)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var key = Derive(passphrase, salt, parameters);
        try
        {
            return Create(VaultKdf.Argon2id, key, parameters, salt);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
