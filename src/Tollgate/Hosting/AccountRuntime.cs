using System.Collections.Frozen;
using System.Net;
using Tollgate.Core.Accounts;
using Tollgate.Core.Configuration;
using Tollgate.Core.Routing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Vault;

namespace Tollgate.Hosting;

/// <summary>
/// The gateway's live view of accounts and client keys: loaded at start (a vault that cannot be
/// opened stops the start with its message), re-read within seconds of any change made by the
/// CLI, and fed with metered usage so limits are enforced. Holds decrypted credentials in memory
/// only; they are never logged.
/// </summary>
internal sealed partial class AccountRuntime : IHostedService, IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly AccountStore _accounts;
    private readonly ClientKeyStore _keys;
    private readonly VaultService _vault;
    private readonly SqliteUsageStore _usage;
    private readonly UsageWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _nonLoopback;
    private readonly CancellationTokenSource _stopping = new();
    private FrozenDictionary<Guid, string> _credentials = FrozenDictionary<Guid, string>.Empty;
    private FrozenDictionary<string, ClientKey> _clientKeys = FrozenDictionary<string, ClientKey>.Empty;
    private FrozenDictionary<string, Guid> _byName = FrozenDictionary<string, Guid>.Empty;
    private readonly Func<TollgateConfig?>? _reloadConfig;
    private readonly string? _configFile;
    private IReadOnlyList<Account> _configAccounts;
    private string? _stamp;
    private Task? _poll;

    /// <param name="config">The accounts declared in the config file and the routing settings.</param>
    /// <param name="reloadConfig">Re-reads the config file when it changes (null: never).</param>
    public AccountRuntime(
        SqliteDatabase database,
        VaultKeyOptions vaultOptions,
        TollgateConfig config,
        RoutingOptions routing,
        SqliteUsageStore usage,
        UsageWriter writer,
        IPAddress listenAddress,
        TimeProvider time,
        ILogger<AccountRuntime> logger,
        string? configFile = null,
        Func<TollgateConfig?>? reloadConfig = null)
    {
        _configAccounts = config.Accounts;
        _configFile = configFile;
        _reloadConfig = reloadConfig;
        _accounts = new AccountStore(database, time);
        _keys = new ClientKeyStore(database, time);
        _vault = new VaultService(database, vaultOptions, time);
        _usage = usage;
        _writer = writer;
        _time = time;
        _logger = logger;
        _nonLoopback = !IPAddress.IsLoopback(listenAddress);
        Router = new AccountRouter(time, routing, logger: logger);
        Accounts = new AccountService(database, _vault, time);
    }

    public AccountRouter Router { get; }

    /// <summary>The stored accounts and their vaulted keys, as the CLI's account commands edit them (the dashboard edits through it too).</summary>
    public AccountService Accounts { get; }

    /// <summary>
    /// Applies stored account changes now rather than at the next poll (after an edit from the
    /// dashboard). A failure is logged and left to the poll, as the poll's own are: the edit is
    /// stored either way, and the caller's page must not break on it.
    /// </summary>
    public async Task ReloadNowAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadAsync(initial: false, cancellationToken);
        }
        catch (Exception e) when (e is VaultException or Microsoft.Data.Sqlite.SqliteException or AccountException)
        {
            LogReloadFailed(e.Message);
        }
    }

    /// <summary>True when clients must present a client key: accounts exist, or the gateway listens beyond loopback.</summary>
    public bool RequireClientKeys => Router.HasAccounts || _nonLoopback;

    public bool TryGetCredential(Guid account, out string credential) => _credentials.TryGetValue(account, out credential!);

    /// <summary>The active client key matching what a client presented, or null.</summary>
    public ClientKey? Authenticate(ReadOnlySpan<char> presented) =>
        presented.IsEmpty ? null : _clientKeys.GetValueOrDefault(Convert.ToHexString(ClientKeyStore.Hash(presented)));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(initial: true, cancellationToken);
        if (_nonLoopback && (!Router.HasAccounts || _clientKeys.Count == 0))
        {
            throw new ListenRefusedException(
                "listening beyond loopback needs at least one account and one client key, so that every client must authenticate; add them with 'tollgate accounts add' and 'tollgate keys create'");
        }

        await SeedUsageAsync(cancellationToken);
        _writer.Persisted += OnPersisted;
        _poll = PollAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _writer.Persisted -= OnPersisted;
        await _stopping.CancelAsync();
        if (_poll is not null)
        {
            await _poll.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _reloading.Dispose();
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PollInterval, _time);
        while (await TickAsync(timer, cancellationToken))
        {
            try
            {
                await ReloadAsync(initial: false, cancellationToken);
            }
            catch (Exception e) when (e is VaultException or Microsoft.Data.Sqlite.SqliteException or AccountException)
            {
                LogReloadFailed(e.Message);
            }
        }
    }

    private static async Task<bool> TickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One reload at a time: a poll that read the store before an edit must not finish after the edit's own reload and put the old state back.</summary>
    private readonly SemaphoreSlim _reloading = new(1, 1);

    private async Task ReloadAsync(bool initial, CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken);
        try
        {
            await ReloadOnceAsync(initial, cancellationToken);
        }
        finally
        {
            _reloading.Release();
        }
    }

    private async Task ReloadOnceAsync(bool initial, CancellationToken cancellationToken)
    {
        var fileStamp = _configFile is not null && File.Exists(_configFile) ? $"{File.GetLastWriteTimeUtc(_configFile).Ticks}/{new FileInfo(_configFile).Length}" : "-";
        var stamp = await _accounts.ReadChangeStampAsync(cancellationToken) + "|" + fileStamp;
        if (stamp == _stamp)
        {
            return;
        }

        if (!initial && _reloadConfig is not null && _stamp is not null && fileStamp != _stamp[(_stamp.IndexOf('|') + 1)..])
        {
            if (_reloadConfig() is { } config)
            {
                _configAccounts = config.Accounts;
                Router.SetOptions(config.Routing);
                LogConfigReloaded();
            }
            else
            {
                LogConfigInvalid(); // the loader printed what is wrong; the previous settings stay
            }
        }

        var stored = await _accounts.ListAsync(cancellationToken);
        var accounts = stored.Concat(_configAccounts.Where(c => !stored.Any(s => string.Equals(s.Name, c.Name, StringComparison.OrdinalIgnoreCase)))).ToList();
        var ciphers = await _accounts.ReadCredentialCiphersAsync(cancellationToken);
        var credentials = new Dictionary<Guid, string>();
        var broken = new Dictionary<Guid, string>();
        SecretVault? vault = null;
        try
        {
            foreach (var a in accounts)
            {
                if (a.Credential == CredentialKind.Environment)
                {
                    if (Environment.GetEnvironmentVariable(a.CredentialEnv!) is { Length: > 0 } value)
                    {
                        credentials[a.Id] = value;
                    }
                    else
                    {
                        broken[a.Id] = $"the environment variable {a.CredentialEnv} is not set";
                    }

                    continue;
                }

                if (!ciphers.TryGetValue(a.Id, out var cipher))
                {
                    broken[a.Id] = "no key is stored for it; remove it and add it again";
                    continue;
                }

                vault ??= await _vault.OpenAsync(cancellationToken); // a wrong passphrase stops here, for every account
                try
                {
                    credentials[a.Id] = vault.DecryptString(a.Id, cipher);
                }
                catch (VaultException e)
                {
                    broken[a.Id] = e.Message;
                }
            }
        }
        finally
        {
            vault?.Dispose();
        }

        var changed = credentials.Where(kv => !_credentials.TryGetValue(kv.Key, out var old) || old != kv.Value).Select(kv => kv.Key).ToHashSet();
        _credentials = credentials.ToFrozenDictionary();
        _byName = accounts.ToFrozenDictionary(a => a.Name, a => a.Id, StringComparer.OrdinalIgnoreCase);
        Router.SetAccounts(accounts, broken, changed);
        _clientKeys = (await _keys.ReadActiveAsync(cancellationToken)).ToFrozenDictionary(k => Convert.ToHexString(k.Hash), k => k.Key);
        _stamp = stamp;
        foreach (var (id, reason) in broken)
        {
            LogAccountBroken(accounts.First(a => a.Id == id).Name, reason);
        }

        if (!initial || accounts.Count > 0)
        {
            LogLoaded(accounts.Count, _clientKeys.Count);
        }
    }

    /// <summary>This month's usage per account, so limits hold across restarts.</summary>
    private async Task SeedUsageAsync(CancellationToken cancellationToken)
    {
        if (!Router.HasAccounts)
        {
            return;
        }

        var zone = Router.Options.LimitsTimeZone;
        var now = TimeZoneInfo.ConvertTime(_time.GetUtcNow(), zone);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, now.Offset);
        await foreach (var r in _usage.ReadAsync(new UsageQuery(monthStart.AddDays(-1)), cancellationToken))
        {
            Record(r);
        }
    }

    private void OnPersisted(IReadOnlyList<UsageRecord> records)
    {
        foreach (var r in records)
        {
            Record(r);
        }
    }

    private void Record(UsageRecord r)
    {
        if (r.Account is { } name && r.Usage is { } usage && _byName.TryGetValue(name, out var id))
        {
            Router.Health(id)?.RecordUsage(r.Time, usage.TotalTokens, r.CostUsd);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Accounts loaded: {Accounts} account(s), {Keys} active client key(s)")]
    private partial void LogLoaded(int accounts, int keys);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Account {Account} needs attention: {Reason}")]
    private partial void LogAccountBroken(string account, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "The config file changed: accounts and pool settings reloaded")]
    private partial void LogConfigReloaded();

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "The config file changed but is not valid; keeping the previous accounts and pool settings")]
    private partial void LogConfigInvalid();

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Reloading accounts failed, keeping the previous set: {Reason}")]
    private partial void LogReloadFailed(string reason);
}

/// <summary>The gateway may not listen where it was asked to; the message says what is missing.</summary>
internal sealed class ListenRefusedException(string message) : Exception(message);
