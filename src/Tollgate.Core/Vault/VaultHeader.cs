namespace Tollgate.Core.Vault;

/// <summary>How the vault key is obtained.</summary>
public enum VaultKdf
{
    /// <summary>A random 32-byte key in <c>vault.key</c> (mode 0600).</summary>
    KeyFile,

    /// <summary>Argon2id over a passphrase (<c>TOLLGATE_MASTER_KEY</c> or a prompt).</summary>
    Argon2id,
}

/// <summary>Argon2id cost parameters, persisted so they can be raised later without breaking old vaults.</summary>
public sealed record Argon2Parameters(int MemoryKib, int Iterations, int Parallelism)
{
    /// <summary>OWASP's recommended minimum for Argon2id: 19 MiB, 2 passes, 1 lane.</summary>
    public static Argon2Parameters Default { get; } = new(19 * 1024, 2, 1);
}

/// <summary>
/// What is stored beside the ciphertexts (one row of the <c>vault</c> table): the format
/// version, how the key is derived, the salt and cost parameters, and a verifier that tells a
/// wrong key from a damaged entry.
/// </summary>
public sealed record VaultHeader(int FormatVersion, VaultKdf Kdf, byte[]? Salt, Argon2Parameters? Argon2, byte[] Verifier);
