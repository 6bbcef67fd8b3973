using System.Text.RegularExpressions;
using Tollgate.Core.Storage;
using Tollgate.Core.Vault;

namespace Tollgate.Core.Accounts;

/// <summary>
/// Adding and changing accounts, with their validation and the vault, in one place: the CLI,
/// the TUI and the dashboard all go through here.
/// </summary>
public sealed partial class AccountService(SqliteDatabase database, VaultService vault, TimeProvider time)
{
    public AccountStore Store { get; } = new(database, time);

    /// <summary>Validates and stores a new account; <paramref name="key"/> goes straight into the vault.</summary>
    /// <exception cref="AccountException">A field is invalid or the name is taken; the message names it.</exception>
    /// <exception cref="VaultException">The vault cannot be opened.</exception>
    public async Task<Account> AddAsync(Account draft, string? key, CancellationToken cancellationToken)
    {
        var account = Normalize(draft);
        if (account.Credential == CredentialKind.Vault)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new AccountException("no key was given (use --key-stdin, --key-env VAR, or type it at the prompt)");
            }

            key = key.Trim();
            if (key.Any(char.IsWhiteSpace) || key.Any(char.IsControl))
            {
                throw new AccountException("the key contains spaces or control characters; check what was pasted");
            }

            account = account with { KeyFingerprint = KeyFingerprint.Of(key) };
            using var opened = await vault.OpenAsync(cancellationToken);
            await Store.AddAsync(account, opened.EncryptString(account.Id, key), cancellationToken);
        }
        else
        {
            await Store.AddAsync(account, credentialCipher: null, cancellationToken);
        }

        return account;
    }

    /// <summary>Every CLI-managed account with its key decrypted, for an export bundle.</summary>
    /// <exception cref="VaultException">The vault cannot be opened, or one account's key does not decrypt (named).</exception>
    public async Task<IReadOnlyList<BundledAccount>> ExportAsync(CancellationToken cancellationToken)
    {
        var accounts = await Store.ListAsync(cancellationToken);
        var ciphers = await Store.ReadCredentialCiphersAsync(cancellationToken);
        if (ciphers.Count == 0)
        {
            return accounts.Select(a => new BundledAccount(a, null)).ToList();
        }

        using var opened = await vault.OpenAsync(cancellationToken);
        return accounts.Select(a =>
        {
            if (!ciphers.TryGetValue(a.Id, out var cipher))
            {
                return new BundledAccount(a, null);
            }

            try
            {
                return new BundledAccount(a, opened.DecryptString(a.Id, cipher));
            }
            catch (VaultException e)
            {
                throw new VaultException($"account '{a.Name}': {e.Message}; remove it or add its key again before exporting", e);
            }
        }).ToList();
    }

    /// <summary>Adds the bundle's accounts; names that already exist are skipped and returned.</summary>
    public async Task<(IReadOnlyList<Account> Added, IReadOnlyList<string> Skipped)> ImportAsync(IReadOnlyList<BundledAccount> bundle, CancellationToken cancellationToken)
    {
        var existing = (await Store.ListAsync(cancellationToken)).Select(a => a.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var added = new List<Account>();
        var skipped = new List<string>();
        foreach (var (account, key) in bundle)
        {
            if (existing.Contains(account.Name))
            {
                skipped.Add(account.Name);
                continue;
            }

            added.Add(await AddAsync(account, key, cancellationToken));
        }

        return (added, skipped);
    }

    /// <summary>Checks and tidies a draft: name, URL, env var name, limits, globs.</summary>
    public static Account Normalize(Account draft)
    {
        if (!NamePattern().IsMatch(draft.Name))
        {
            throw new AccountException($"'{draft.Name}' is not a usable account name: use letters, digits, '.', '_' or '-' (up to 64, starting with a letter or digit)");
        }

        if (!Uri.TryCreate(draft.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new AccountException($"--base-url '{draft.BaseUrl}' must be an absolute http(s) URL without query or credentials, e.g. https://api.openai.com/v1");
        }

        var baseUrl = draft.BaseUrl.TrimEnd('/');
        if (draft.Provider == ProviderKind.Anthropic && baseUrl.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            baseUrl = baseUrl[..^3]; // Anthropic clients send /v1/messages; the base is the origin
        }

        if (draft.Credential == CredentialKind.Environment && (draft.CredentialEnv is null || !EnvPattern().IsMatch(draft.CredentialEnv)))
        {
            throw new AccountException($"--key-env '{draft.CredentialEnv}' is not an environment variable name");
        }

        if (draft.Weight < 1 || draft.Weight > 1000)
        {
            throw new AccountException("--weight must be from 1 to 1000");
        }

        if (draft.Limits.DailyTokens < 0 || draft.Limits.MonthlyTokens < 0 || draft.Limits.DailyUsd < 0 || draft.Limits.MonthlyUsd < 0)
        {
            throw new AccountException("limits cannot be negative");
        }

        if (draft.Pool is { } pool && !NamePattern().IsMatch(pool))
        {
            throw new AccountException($"--pool '{pool}' is not a usable pool name (letters, digits, '.', '_', '-')");
        }

        var models = draft.Models.Select(m => m.Trim()).Where(m => m.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return draft with { BaseUrl = baseUrl, Models = models };
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvPattern();
}
