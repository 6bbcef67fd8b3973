using Spectre.Console;
using Tollgate.Core.Accounts;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;
using Tollgate.Core.Vault;

namespace Tollgate.Cli;

/// <summary>What the account, key and vault commands share: the database, the vault and its key source.</summary>
internal sealed class AccountsContext
{
    private AccountsContext(AppPaths paths, SqliteDatabase database, VaultService vault)
    {
        Paths = paths;
        Database = database;
        Vault = vault;
        Accounts = new AccountService(database, vault, TimeProvider.System);
        Keys = new ClientKeyStore(database, TimeProvider.System);
    }

    public AppPaths Paths { get; }
    public SqliteDatabase Database { get; }
    public VaultService Vault { get; }
    public AccountService Accounts { get; }
    public ClientKeyStore Keys { get; }

    public static async Task<AccountsContext> OpenAsync(AppPaths paths, CancellationToken cancellationToken)
    {
        var database = new SqliteDatabase(paths.DatabasePath);
        await database.MigrateAsync(cancellationToken);
        return new AccountsContext(paths, database, new VaultService(database, VaultOptions(paths), TimeProvider.System));
    }

    /// <summary>Whether any account is stored; a database that does not exist yet holds none (and is not created here).</summary>
    public static async Task<bool> HasStoredAccountsAsync(AppPaths paths, CancellationToken cancellationToken)
    {
        if (!File.Exists(paths.DatabasePath))
        {
            return false;
        }

        var context = await OpenAsync(paths, cancellationToken);
        return (await context.Accounts.Store.ListAsync(cancellationToken)).Count > 0;
    }

    /// <summary><c>TOLLGATE_MASTER_KEY</c>, else a masked prompt when a person is at a terminal.</summary>
    public static VaultKeyOptions VaultOptions(AppPaths paths) => new()
    {
        KeyFilePath = paths.VaultKeyPath,
        Passphrase = Environment.GetEnvironmentVariable("TOLLGATE_MASTER_KEY") is { Length: > 0 } p ? p : null,
        Prompt = Interactive ? () => AnsiConsole.Prompt(new TextPrompt<string>("Vault master passphrase:").Secret()) : null,
    };

    public static bool Interactive => !Console.IsInputRedirected && !Console.IsOutputRedirected;
}
