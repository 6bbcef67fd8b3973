using Tollgate.Core.Accounts;
using Tollgate.Core.Storage;
using Tollgate.Core.Vault;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Accounts and client keys in a gateway's data directory, set up the way the CLI does it (vault key file, no passphrase).</summary>
internal static class TestAccounts
{
    public static async Task<(AccountService Accounts, ClientKeyStore Keys, SqliteDatabase Database)> OpenAsync(string dataDir)
    {
        var db = new SqliteDatabase(Path.Combine(dataDir, "tollgate.db"));
        await db.MigrateAsync(TestContext.Current.CancellationToken);
        var vault = new VaultService(db, new VaultKeyOptions { KeyFilePath = Path.Combine(dataDir, "vault.key") }, TimeProvider.System);
        return (new AccountService(db, vault, TimeProvider.System), new ClientKeyStore(db, TimeProvider.System), db);
    }

    /// <summary>Adds the accounts, then creates a client key and returns it.</summary>
    public static async Task<string> AddWithClientKeyAsync(string dataDir, params (Account Account, string? Key)[] accounts)
    {
        var (service, keys, _) = await OpenAsync(dataDir);
        foreach (var (account, key) in accounts)
        {
            await service.AddAsync(account, key, TestContext.Current.CancellationToken);
        }

        return (await keys.CreateAsync("tests", null, TestContext.Current.CancellationToken)).Secret;
    }
}
