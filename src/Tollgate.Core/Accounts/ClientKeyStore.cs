using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Accounts;

/// <summary>A key a client presents to the gateway. Only its SHA-256 is stored.</summary>
public sealed record ClientKey(Guid Id, string Name, string Hint, string? Pool, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>
/// Client (gateway) keys: <c>tg-</c> followed by 32 random bytes in base64url. They carry 256
/// bits of entropy, so a plain SHA-256 is the right hash (a slow KDF protects guessable
/// passwords, not random keys) and lets the gateway check a key in a microsecond.
/// </summary>
public sealed class ClientKeyStore(SqliteDatabase database, TimeProvider time)
{
    public const string Prefix = "tg-";

    public static byte[] Hash(ReadOnlySpan<char> key)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(key.Length, 256))];
        var n = Encoding.UTF8.GetBytes(key[..Math.Min(key.Length, 256)], utf8);
        return SHA256.HashData(utf8[..n]);
    }

    /// <summary>Creates a key; the returned secret is shown once and never stored.</summary>
    /// <exception cref="AccountException">An active key has this name.</exception>
    public async Task<(ClientKey Key, string Secret)> CreateAsync(string name, string? pool, CancellationToken cancellationToken)
    {
        var secret = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var key = new ClientKey(Guid.CreateVersion7(time.GetUtcNow()), name, Prefix + "…" + secret[^4..], pool, time.GetUtcNow(), null);
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO client_keys (id, name, hash, hint, pool, created_ms) VALUES (@id, @name, @hash, @hint, @pool, @created)",
                new { id = key.Id.ToString(), name, hash = Hash(secret), hint = key.Hint, pool, created = key.CreatedAt.ToUnixTimeMilliseconds() },
                cancellationToken: cancellationToken));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new AccountException($"a client key named '{name}' already exists; revoke it first or pick another name");
        }

        return (key, secret);
    }

    public async Task<IReadOnlyList<ClientKey>> ListAsync(bool includeRevoked, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, hint AS Hint, pool AS Pool, created_ms AS CreatedMs, revoked_ms AS RevokedMs, hash AS Hash FROM client_keys"
            + (includeRevoked ? "" : " WHERE revoked_ms IS NULL") + " ORDER BY created_ms",
            cancellationToken: cancellationToken));
        return rows.Select(r => r.ToKey()).ToList();
    }

    /// <summary>Active keys by their hash, for the gateway.</summary>
    public async Task<IReadOnlyList<(byte[] Hash, ClientKey Key)>> ReadActiveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, hint AS Hint, pool AS Pool, created_ms AS CreatedMs, revoked_ms AS RevokedMs, hash AS Hash FROM client_keys WHERE revoked_ms IS NULL",
            cancellationToken: cancellationToken));
        return rows.Select(r => (r.Hash, r.ToKey())).ToList();
    }

    /// <summary>Revokes the active key with this name (or id); false when there is none.</summary>
    public async Task<bool> RevokeAsync(string nameOrId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE client_keys SET revoked_ms = @now WHERE revoked_ms IS NULL AND (name = @key OR id = @key)",
            new { key = nameOrId, now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)) > 0;
    }

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string Hint { get; init; } = "";
        public string? Pool { get; init; }
        public long CreatedMs { get; init; }
        public long? RevokedMs { get; init; }
        public byte[] Hash { get; init; } = [];

        public ClientKey ToKey() => new(
            Guid.Parse(Id), Name, Hint, Pool, DateTimeOffset.FromUnixTimeMilliseconds(CreatedMs),
            RevokedMs is { } r ? DateTimeOffset.FromUnixTimeMilliseconds(r) : null);
    }
}
