using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.Accounts;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Tests.Accounts;

/// <summary>Accounts and client keys on a real database file.</summary>
public sealed class AccountStoreTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-accounts-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private async Task<SqliteDatabase> DatabaseAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_dir.FullName, "tollgate.db"));
        await db.MigrateAsync(Ct);
        return db;
    }

    [Fact]
    public async Task Account_RoundTripsEveryField_AndNamesAreUniqueIgnoringCase()
    {
        var store = new AccountStore(await DatabaseAsync(), _time);
        var account = new Account
        {
            Id = Guid.NewGuid(),
            Name = "Work",
            Provider = ProviderKind.AzureOpenAI,
            BaseUrl = "https://contoso.openai.azure.com/openai/v1",
            Credential = CredentialKind.Environment,
            CredentialEnv = "AZURE_KEY",
            Organization = "org-1",
            Project = "proj-1",
            ExtraHeaders = new Dictionary<string, string> { ["x-team"] = "core" },
            Models = ["gpt-5*", "o4-mini"],
            ModelMap = new Dictionary<string, string> { ["gpt-5"] = "my-gpt5-deployment" },
            Priority = 5,
            Weight = 3,
            Limits = new AccountLimits(1_000_000, 20_000_000, 12.5m, 200m),
            Enabled = false,
            Pool = "team",
            Tags = ["paid"],
        };
        await store.AddAsync(account, credentialCipher: null, Ct);

        var read = (await store.FindAsync("work", Ct))!;
        Assert.Equal(account with { CreatedAt = _time.GetUtcNow(), ExtraHeaders = read.ExtraHeaders, Models = read.Models, ModelMap = read.ModelMap, Tags = read.Tags }, read);
        Assert.Equal(account.ExtraHeaders, read.ExtraHeaders);
        Assert.Equal(account.Models, read.Models);
        Assert.Equal(account.ModelMap, read.ModelMap);
        Assert.Equal(account.Tags, read.Tags);
        Assert.Equal("Work", (await store.FindAsync(account.Id.ToString(), Ct))?.Name);

        var e = await Assert.ThrowsAsync<AccountException>(() => store.AddAsync(account with { Id = Guid.NewGuid(), Name = "WORK" }, null, Ct));
        Assert.Contains("already exists", e.Message);

        var stamp = await store.ReadChangeStampAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await store.SetEnabledAsync(account.Id, true, Ct));
        Assert.True((await store.FindAsync("Work", Ct))!.Enabled);
        Assert.NotEqual(stamp, await store.ReadChangeStampAsync(Ct));
        Assert.True(await store.RemoveAsync(account.Id, Ct));
        Assert.Null(await store.FindAsync("Work", Ct));
        Assert.False(await store.RemoveAsync(account.Id, Ct));
    }

    [Fact]
    public async Task ClientKeys_AreStoredHashed_ShownOnce_AndRevocable()
    {
        var db = await DatabaseAsync();
        var keys = new ClientKeyStore(db, _time);
        var (key, secret) = await keys.CreateAsync("laptop", pool: null, Ct);
        Assert.StartsWith("tg-", secret);
        Assert.Equal(46, secret.Length); // tg- + 43 base64url characters (32 bytes)
        Assert.Equal("tg-…" + secret[^4..], key.Hint);

        var active = await keys.ReadActiveAsync(Ct);
        Assert.Equal(ClientKeyStore.Hash(secret), Assert.Single(active).Hash);

        await Assert.ThrowsAsync<AccountException>(() => keys.CreateAsync("LAPTOP", null, Ct));
        Assert.True(await keys.RevokeAsync("laptop", Ct));
        Assert.False(await keys.RevokeAsync("laptop", Ct));
        Assert.Empty(await keys.ReadActiveAsync(Ct));
        Assert.True(Assert.Single(await keys.ListAsync(includeRevoked: true, Ct)).Revoked);

        var (again, _) = await keys.CreateAsync("laptop", "team", Ct); // the name is free again once revoked
        Assert.Equal("team", again.Pool);

        SqliteConnection.ClearAllPools();
        var bytes = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(db.Path));
        Assert.DoesNotContain(secret, bytes);
    }
}
