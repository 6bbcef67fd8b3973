using System.Text;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Accounts;
using Tollgate.Core.Storage;
using Tollgate.Core.Vault;

namespace Tollgate.Core.Tests.Accounts;

/// <summary>Export and import bundles: round trip, wrong passphrase, damage, and the import into another vault.</summary>
public sealed class AccountBundleTests : IDisposable
{
    private static readonly Argon2Parameters Cheap = new(1024, 1, 1);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-bundle-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private async Task<AccountService> ServiceAsync(string name)
    {
        var db = new SqliteDatabase(Path.Combine(_dir.FullName, name + ".db"));
        await db.MigrateAsync(Ct);
        return new AccountService(db, new VaultService(db, new VaultKeyOptions { KeyFilePath = Path.Combine(_dir.FullName, name + ".key"), Argon2 = Cheap }, TimeProvider.System), TimeProvider.System);
    }

    [Fact]
    public async Task ExportThenImport_IntoAnotherVault_KeepsEverySettingAndKey()
    {
        var source = await ServiceAsync("source");
        await source.AddAsync(new Account
        {
            Id = Guid.NewGuid(), Name = "main", Provider = ProviderKind.OpenAI, BaseUrl = "https://api.openai.com/v1",
            Models = ["gpt-5*"], ModelMap = new Dictionary<string, string> { ["gpt-5"] = "gpt-5-2025" }, Priority = 3, Weight = 2,
            Limits = new AccountLimits(1000, null, 2.5m, null), Pool = "team", Tags = ["paid"], Organization = "org-1",
        }, "sk-test-bundle-0000000000000000", Ct);
        await source.AddAsync(new Account { Id = Guid.NewGuid(), Name = "azure", Provider = ProviderKind.AzureOpenAI, BaseUrl = "https://r.openai.azure.com/openai/v1", Credential = CredentialKind.Environment, CredentialEnv = "AZ_KEY" }, null, Ct);

        var file = AccountBundle.Write(await source.ExportAsync(Ct), "bundle passphrase", Cheap);
        Assert.DoesNotContain("sk-test-bundle", Encoding.UTF8.GetString(file));
        Assert.DoesNotContain("gpt-5*", Encoding.UTF8.GetString(file)); // settings are encrypted too

        var target = await ServiceAsync("target");
        await target.AddAsync(new Account { Id = Guid.NewGuid(), Name = "azure", Provider = ProviderKind.OpenAI, BaseUrl = "https://x.example/v1", Credential = CredentialKind.Environment, CredentialEnv = "OTHER" }, null, Ct);
        var (added, skipped) = await target.ImportAsync(AccountBundle.Read(file, "bundle passphrase"), Ct);
        Assert.Equal(["main"], added.Select(a => a.Name));
        Assert.Equal(["azure"], skipped);

        var main = (await target.Store.FindAsync("main", Ct))!;
        Assert.Equal((ProviderKind.OpenAI, 3, 2, "team", 1000L, 2.5m, "org-1", "sk-test-…0000"),
            (main.Provider, main.Priority, main.Weight, main.PoolName, main.Limits.DailyTokens, main.Limits.DailyUsd, main.Organization, main.KeyFingerprint));
        Assert.Equal(["gpt-5*"], main.Models);
        Assert.Equal("gpt-5-2025", main.ModelMap["gpt-5"]);
        var exported = await target.ExportAsync(Ct);
        Assert.Equal("sk-test-bundle-0000000000000000", exported.Single(b => b.Account.Name == "main").Key);
    }

    [Fact]
    public async Task WrongPassphraseOrDamage_IsAClearError()
    {
        var source = await ServiceAsync("s");
        await source.AddAsync(new Account { Id = Guid.NewGuid(), Name = "a", Provider = ProviderKind.OpenAI, BaseUrl = "https://api.openai.com/v1" }, "sk-test-aaaaaaaaaaaaaaaaaaaa", Ct);
        var file = AccountBundle.Write(await source.ExportAsync(Ct), "right passphrase", Cheap);

        Assert.Contains("wrong passphrase", Assert.Throws<AccountException>(() => AccountBundle.Read(file, "wrong passphrase")).Message);
        Assert.Contains("not a Tollgate account bundle", Assert.Throws<AccountException>(() => AccountBundle.Read("{\"format\":\"x\"}"u8, "p")).Message);
        Assert.Contains("damaged or truncated", Assert.Throws<AccountException>(() => AccountBundle.Read(file.AsSpan(0, file.Length / 2), "right passphrase")).Message);
    }
}
