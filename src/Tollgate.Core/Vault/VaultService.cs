using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Vault;

/// <summary>What <c>tollgate vault rotate</c> moves the vault to.</summary>
public abstract record VaultRotationTarget
{
    private VaultRotationTarget()
    {
    }

    /// <summary>A fresh random key in <c>vault.key</c>.</summary>
    public sealed record KeyFile : VaultRotationTarget;

    /// <summary>A key derived from this passphrase with a fresh salt.</summary>
    public sealed record Passphrase(string Value) : VaultRotationTarget;
}

/// <summary>
/// Opens the vault of one database (its header is the <c>vault</c> table's single row) and
/// rotates its key. Secrets themselves live with their owners (the accounts' credentials);
/// the vault never writes a plaintext anywhere.
/// </summary>
public sealed class VaultService(SqliteDatabase database, VaultKeyOptions options, TimeProvider time)
{
    private string PendingKeyFile => options.KeyFilePath + ".new";

    public async Task<VaultHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<HeaderRow>(new CommandDefinition(
            "SELECT format_version AS FormatVersion, kdf AS Kdf, salt AS Salt, memory_kib AS MemoryKib, iterations AS Iterations, parallelism AS Parallelism, verifier AS Verifier, changed_ms AS ChangedMs FROM vault WHERE id = 1",
            cancellationToken: cancellationToken));
        return row is null ? null : FromRow(row);
    }

    /// <summary>Opens the vault, creating it (and <c>vault.key</c> when no passphrase is set) on first use.</summary>
    /// <exception cref="VaultException">Wrong passphrase, missing or mismatched key file, no passphrase available.</exception>
    public async Task<SecretVault> OpenAsync(CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(cancellationToken);
        if (header is not null)
        {
            return Open(header);
        }

        var (created, vault) = CreateNew();
        await using var connection = await database.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT OR IGNORE INTO vault (id, format_version, kdf, salt, memory_kib, iterations, parallelism, verifier, changed_ms) VALUES (1, @FormatVersion, @Kdf, @Salt, @MemoryKib, @Iterations, @Parallelism, @Verifier, @ChangedMs)",
            ToRow(created, time),
            cancellationToken: cancellationToken));
        if (inserted == 1)
        {
            return vault;
        }

        // Another process created the vault first: use theirs.
        vault.Dispose();
        return Open((await ReadHeaderAsync(cancellationToken))!);
    }

    /// <summary>Re-encrypts every secret under a new key in one transaction, then retires the old key.</summary>
    public async Task RotateAsync(VaultRotationTarget target, CancellationToken cancellationToken)
    {
        using var old = await OpenAsync(cancellationToken);
        var oldHeader = (await ReadHeaderAsync(cancellationToken))!;
        File.Delete(PendingKeyFile);
        var (header, vault) = target switch
        {
            VaultRotationTarget.Passphrase p => VaultKeys.CreateFromPassphrase(p.Value, options.Argon2),
            _ => CreateFromKey(VaultKdf.KeyFile, VaultKeys.WriteNewKeyFile(PendingKeyFile)),
        };
        using (vault)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var rows = await connection.QueryAsync<(string Id, string Name, byte[] Cipher)>(new CommandDefinition(
                "SELECT id, name, credential_cipher FROM accounts WHERE credential_cipher IS NOT NULL", transaction: tx, cancellationToken: cancellationToken));
            foreach (var (id, name, cipher) in rows)
            {
                byte[] plain;
                try
                {
                    plain = old.Decrypt(Guid.Parse(id), cipher);
                }
                catch (VaultException e)
                {
                    throw new VaultException($"account '{name}': {e.Message}. Nothing was changed; remove the account or add its key again, then rotate.", e);
                }

                try
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        "UPDATE accounts SET credential_cipher = @cipher WHERE id = @id",
                        new { id, cipher = vault.Encrypt(Guid.Parse(id), plain) },
                        tx,
                        cancellationToken: cancellationToken));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plain);
                }
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE vault SET format_version = @FormatVersion, kdf = @Kdf, salt = @Salt, memory_kib = @MemoryKib, iterations = @Iterations, parallelism = @Parallelism, verifier = @Verifier, changed_ms = @ChangedMs WHERE id = 1",
                ToRow(header, time),
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }

        // The new header is committed. A crash before the next lines is repaired by Open,
        // which promotes vault.key.new when it is the file that verifies.
        if (header.Kdf == VaultKdf.KeyFile)
        {
            File.Move(PendingKeyFile, options.KeyFilePath, overwrite: true);
        }
        else if (oldHeader.Kdf == VaultKdf.KeyFile)
        {
            File.Delete(options.KeyFilePath);
        }
    }

    private (VaultHeader Header, SecretVault Vault) CreateNew()
    {
        if (options.Passphrase is { } passphrase)
        {
            return VaultKeys.CreateFromPassphrase(passphrase, options.Argon2);
        }

        var key = VaultKeys.ReadKeyFile(options.KeyFilePath) ?? VaultKeys.WriteNewKeyFile(options.KeyFilePath);
        return CreateFromKey(VaultKdf.KeyFile, key);
    }

    private static (VaultHeader Header, SecretVault Vault) CreateFromKey(VaultKdf kdf, byte[] key)
    {
        try
        {
            return VaultKeys.Create(kdf, key, argon2: null, salt: null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private SecretVault Open(VaultHeader header)
    {
        if (header.FormatVersion != SecretVault.FormatVersion)
        {
            throw new VaultException($"the vault has format {header.FormatVersion}, which this Tollgate does not know; upgrade Tollgate");
        }

        return header.Kdf == VaultKdf.Argon2id ? OpenWithPassphrase(header) : OpenWithKeyFile(header);
    }

    private SecretVault OpenWithPassphrase(VaultHeader header)
    {
        var passphrase = options.Passphrase ?? options.Prompt?.Invoke()
            ?? throw new VaultException("the vault is protected by a master passphrase: set TOLLGATE_MASTER_KEY, or run the command on a terminal to be asked for it");
        var key = VaultKeys.Derive(passphrase, header.Salt!, header.Argon2!);
        var vault = new SecretVault(key);
        CryptographicOperations.ZeroMemory(key);
        if (!vault.Verifies(header.Verifier))
        {
            vault.Dispose();
            throw new VaultException("wrong master passphrase: the vault was not opened and nothing was changed");
        }

        return vault;
    }

    private SecretVault OpenWithKeyFile(VaultHeader header)
    {
        var path = options.KeyFilePath;
        if (TryKeyFile(path, header) is { } vault)
        {
            File.Delete(PendingKeyFile); // left over from a rotation that did not commit
            return vault;
        }

        if (TryKeyFile(PendingKeyFile, header) is { } rotated)
        {
            File.Move(PendingKeyFile, path, overwrite: true); // a rotation committed, then stopped before this step
            return rotated;
        }

        throw new VaultException(File.Exists(path)
            ? $"{path} is not the key of this database's vault; restore the file that belongs to it"
            : $"{path} is missing, so the stored account keys cannot be decrypted; restore the file, or remove the accounts and add them again");
    }

    private static SecretVault? TryKeyFile(string path, VaultHeader header)
    {
        var key = VaultKeys.ReadKeyFile(path);
        if (key is null)
        {
            return null;
        }

        var vault = new SecretVault(key);
        CryptographicOperations.ZeroMemory(key);
        if (vault.Verifies(header.Verifier))
        {
            return vault;
        }

        vault.Dispose();
        return null;
    }

    private static VaultHeader FromRow(HeaderRow row)
    {
        var kdf = row.Kdf switch
        {
            "argon2id" => VaultKdf.Argon2id,
            "keyfile" => VaultKdf.KeyFile,
            _ => throw new VaultException($"the vault uses a key derivation this Tollgate does not know ('{row.Kdf}'); upgrade Tollgate"),
        };
        var argon2 = kdf == VaultKdf.Argon2id ? new Argon2Parameters((int)row.MemoryKib!, (int)row.Iterations!, (int)row.Parallelism!) : null;
        return new VaultHeader((int)row.FormatVersion, kdf, row.Salt, argon2, row.Verifier);
    }

    private static HeaderRow ToRow(VaultHeader h, TimeProvider time) => new()
    {
        FormatVersion = h.FormatVersion,
        Kdf = h.Kdf == VaultKdf.Argon2id ? "argon2id" : "keyfile",
        Salt = h.Salt,
        MemoryKib = h.Argon2?.MemoryKib,
        Iterations = h.Argon2?.Iterations,
        Parallelism = h.Argon2?.Parallelism,
        Verifier = h.Verifier,
        ChangedMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
    };

    private sealed class HeaderRow
    {
        public long FormatVersion { get; init; }
        public string Kdf { get; init; } = "";
        public byte[]? Salt { get; init; }
        public long? MemoryKib { get; init; }
        public long? Iterations { get; init; }
        public long? Parallelism { get; init; }
        public byte[] Verifier { get; init; } = [];
        public long ChangedMs { get; init; }
    }
}
