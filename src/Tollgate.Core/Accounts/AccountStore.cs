using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Accounts;

/// <summary>A change to accounts or client keys was refused; the message is meant for the user.</summary>
public sealed class AccountException(string message) : Exception(message);

/// <summary>
/// The CLI-managed accounts, in the <c>accounts</c> table. Credentials are stored only as vault
/// ciphertext (or as the name of an environment variable).
/// </summary>
public sealed class AccountStore(SqliteDatabase database, TimeProvider time)
{
    public async Task<IReadOnlyList<Account>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AccountRow>(new CommandDefinition(SelectSql + " ORDER BY priority DESC, name", cancellationToken: cancellationToken));
        return rows.Select(ToAccount).ToList();
    }

    /// <summary>Finds an account by name (case-insensitive) or by id.</summary>
    public async Task<Account?> FindAsync(string nameOrId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AccountRow>(new CommandDefinition(
            SelectSql + " WHERE name = @key OR id = @key", new { key = Guid.TryParse(nameOrId, out var g) ? g.ToString() : nameOrId }, cancellationToken: cancellationToken));
        return row is null ? null : ToAccount(row);
    }

    /// <summary>The vault ciphertext of each account that has one, for the gateway to decrypt at load.</summary>
    public async Task<IReadOnlyDictionary<Guid, byte[]>> ReadCredentialCiphersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, byte[] Cipher)>(new CommandDefinition(
            "SELECT id, credential_cipher FROM accounts WHERE credential_cipher IS NOT NULL", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => Guid.Parse(r.Id), r => r.Cipher);
    }

    /// <exception cref="AccountException">The name is taken.</exception>
    public async Task AddAsync(Account account, byte[]? credentialCipher, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO accounts (id, name, provider, base_url, credential_cipher, credential_env, key_fingerprint, organization, project,
                    extra_headers_json, models_json, model_map_json, priority, weight, daily_token_limit, monthly_token_limit,
                    daily_usd_limit_pusd, monthly_usd_limit_pusd, enabled, pool, tags_json, created_ms, updated_ms)
                VALUES (@Id, @Name, @Provider, @BaseUrl, @Cipher, @CredentialEnv, @KeyFingerprint, @Organization, @Project,
                    @ExtraHeaders, @Models, @ModelMap, @Priority, @Weight, @DailyTokens, @MonthlyTokens,
                    @DailyUsd, @MonthlyUsd, @Enabled, @Pool, @Tags, @Now, @Now)
                """,
                new
                {
                    Id = account.Id.ToString(),
                    account.Name,
                    Provider = ProviderKinds.Name(account.Provider),
                    account.BaseUrl,
                    Cipher = credentialCipher,
                    account.CredentialEnv,
                    account.KeyFingerprint,
                    account.Organization,
                    account.Project,
                    ExtraHeaders = Json(account.ExtraHeaders),
                    Models = Json(account.Models),
                    ModelMap = Json(account.ModelMap),
                    account.Priority,
                    account.Weight,
                    account.Limits.DailyTokens,
                    account.Limits.MonthlyTokens,
                    DailyUsd = Money.ToPico(account.Limits.DailyUsd),
                    MonthlyUsd = Money.ToPico(account.Limits.MonthlyUsd),
                    Enabled = account.Enabled ? 1 : 0,
                    account.Pool,
                    Tags = Json(account.Tags),
                    Now = now,
                },
                cancellationToken: cancellationToken));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT
        {
            throw new AccountException($"an account named '{account.Name}' already exists; pick another name or remove it first");
        }
    }

    public async Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM accounts WHERE id = @id", new { id = id.ToString() }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> SetEnabledAsync(Guid id, bool enabled, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE accounts SET enabled = @enabled, updated_ms = @now WHERE id = @id",
            new { id = id.ToString(), enabled = enabled ? 1 : 0, now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>A value that changes whenever an account or client key is added, removed or changed (the gateway polls it).</summary>
    public async Task<string> ReadChangeStampAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (count, updated, keys, keysChanged) = await connection.QuerySingleAsync<(long, long?, long, long?)>(new CommandDefinition(
            "SELECT (SELECT count(*) FROM accounts), (SELECT max(updated_ms) FROM accounts), (SELECT count(*) FROM client_keys), (SELECT max(max(created_ms, coalesce(revoked_ms, 0))) FROM client_keys)",
            cancellationToken: cancellationToken));
        return $"{count}/{updated}/{keys}/{keysChanged}";
    }

    private const string SelectSql = """
        SELECT id AS Id, name AS Name, provider AS Provider, base_url AS BaseUrl,
            credential_env AS CredentialEnv, key_fingerprint AS KeyFingerprint, organization AS Organization, project AS Project,
            extra_headers_json AS ExtraHeaders, models_json AS Models, model_map_json AS ModelMap, priority AS Priority, weight AS Weight,
            daily_token_limit AS DailyTokens, monthly_token_limit AS MonthlyTokens, daily_usd_limit_pusd AS DailyUsd,
            monthly_usd_limit_pusd AS MonthlyUsd, enabled AS Enabled, pool AS Pool, tags_json AS Tags, created_ms AS CreatedMs
        FROM accounts
        """;

    private static string Json(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(new Dictionary<string, string>(map), StoreJson.Default.DictionaryStringString);

    private static string Json(IReadOnlyList<string> list) => JsonSerializer.Serialize(list.ToList(), StoreJson.Default.ListString);

    private static Dictionary<string, string> Map(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize(json, StoreJson.Default.DictionaryStringString) ?? [];

    private static List<string> List(string? json) => json is null ? [] : JsonSerializer.Deserialize(json, StoreJson.Default.ListString) ?? [];

    private static Account ToAccount(AccountRow r) => new()
    {
        Id = Guid.Parse(r.Id),
        Name = r.Name,
        Provider = ProviderKinds.TryParse(r.Provider, out var kind) ? kind : ProviderKind.OpenAICompatible,
        BaseUrl = r.BaseUrl,
        Credential = r.CredentialEnv is null ? CredentialKind.Vault : CredentialKind.Environment,
        CredentialEnv = r.CredentialEnv,
        KeyFingerprint = r.KeyFingerprint,
        Organization = r.Organization,
        Project = r.Project,
        ExtraHeaders = Map(r.ExtraHeaders),
        Models = List(r.Models),
        ModelMap = Map(r.ModelMap),
        Priority = (int)r.Priority,
        Weight = (int)r.Weight,
        Limits = new AccountLimits(r.DailyTokens, r.MonthlyTokens, Money.FromPico(r.DailyUsd), Money.FromPico(r.MonthlyUsd)),
        Enabled = r.Enabled != 0,
        Pool = r.Pool,
        Tags = List(r.Tags),
        Origin = "cli",
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedMs),
    };

    private sealed class AccountRow
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string Provider { get; init; } = "";
        public string BaseUrl { get; init; } = "";
        public string? CredentialEnv { get; init; }
        public string? KeyFingerprint { get; init; }
        public string? Organization { get; init; }
        public string? Project { get; init; }
        public string? ExtraHeaders { get; init; }
        public string? Models { get; init; }
        public string? ModelMap { get; init; }
        public long Priority { get; init; }
        public long Weight { get; init; }
        public long? DailyTokens { get; init; }
        public long? MonthlyTokens { get; init; }
        public long? DailyUsd { get; init; }
        public long? MonthlyUsd { get; init; }
        public long Enabled { get; init; }
        public string? Pool { get; init; }
        public string? Tags { get; init; }
        public long CreatedMs { get; init; }
    }
}
