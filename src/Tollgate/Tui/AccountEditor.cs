using Tollgate.Core.Accounts;
using Tollgate.Core.Vault;

namespace Tollgate.Tui;

/// <summary>What the Accounts screen changes: adds, removes and switches accounts on or off.</summary>
internal interface IAccountEditor
{
    /// <summary>Adds an account keyed by <paramref name="key"/> (stored in the vault); the provider is guessed from the URL.</summary>
    Task<Account> AddAsync(string name, string baseUrl, string key, CancellationToken cancellationToken);

    /// <returns>False when the store does not hold it (an account declared in the config file).</returns>
    Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken);

    /// <returns>False when the store does not hold it (an account declared in the config file).</returns>
    Task<bool> SetEnabledAsync(Guid id, bool enabled, CancellationToken cancellationToken);
}

/// <summary>
/// The editor over <see cref="AccountService"/>, the code <c>tollgate accounts add/remove/enable/disable</c>
/// runs: the same validation, the same vault, the same store, which a running gateway re-reads within seconds.
/// </summary>
internal sealed class AccountEditor(AccountService accounts) : IAccountEditor
{
    public Task<Account> AddAsync(string name, string baseUrl, string key, CancellationToken cancellationToken) =>
        accounts.AddAsync(Account.Draft(name.Trim(), baseUrl.Trim()), key, cancellationToken);

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken) => accounts.Store.RemoveAsync(id, cancellationToken);

    public Task<bool> SetEnabledAsync(Guid id, bool enabled, CancellationToken cancellationToken) => accounts.Store.SetEnabledAsync(id, enabled, cancellationToken);

    /// <summary>The message for a failure a user can cause (a bad field, a taken name, a locked vault), or null for a bug.</summary>
    public static string? Explain(Exception e) => e switch
    {
        AccountException => e.Message,
        VaultException => $"vault: {e.Message}",
        Microsoft.Data.Sqlite.SqliteException => $"cannot use the database: {e.Message}",
        _ => null,
    };
}
