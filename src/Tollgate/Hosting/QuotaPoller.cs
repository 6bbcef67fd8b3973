using System.Collections.Concurrent;
using Tollgate.Core.Quotas;

namespace Tollgate.Hosting;

/// <summary>One quota lookup's outcome, for the refresh endpoint and the CLI.</summary>
internal sealed record QuotaResult(string Account, string Provider, QuotaReading? Reading);

/// <summary>
/// Polls the configured quota providers for the accounts they cover and feeds the readings to
/// the accounts' health: a budget that is spent makes the account exhausted until the reading
/// says it resets. A failed lookup backs off (30 s, doubling, up to the provider's interval)
/// and leaves the quota unknown, which never counts against the account.
/// </summary>
internal sealed partial class QuotaPoller(IReadOnlyList<IQuotaProvider> providers, AccountRuntime accounts, TimeProvider time, ILogger<QuotaPoller> logger) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<(int Provider, Guid Account), (DateTimeOffset Due, int Failures)> _schedule = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(20) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (providers.Count == 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await PollAsync(force: false, stoppingToken);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Looks every covered account up now (<c>tollgate accounts refresh</c>).</summary>
    public Task<IReadOnlyList<QuotaResult>> RefreshNowAsync(CancellationToken cancellationToken) => PollAsync(force: true, cancellationToken);

    private async Task<IReadOnlyList<QuotaResult>> PollAsync(bool force, CancellationToken cancellationToken)
    {
        var results = new List<QuotaResult>();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            foreach (var (account, _) in accounts.Router.Snapshot())
            {
                for (var i = 0; i < providers.Count; i++)
                {
                    var provider = providers[i];
                    if (!provider.Covers(account))
                    {
                        continue;
                    }

                    var key = (i, account.Id);
                    var (due, failures) = _schedule.GetValueOrDefault(key, (now, 0));
                    if (!force && now < due)
                    {
                        continue;
                    }

                    accounts.TryGetCredential(account.Id, out var credential);
                    var reading = await provider.ReadAsync(account, credential, _http, now, cancellationToken);
                    var health = accounts.Router.Health(account.Id);
                    if (reading is not null)
                    {
                        // A spent budget holds until its reset; a partial one until the next poll or two.
                        var until = reading.Share >= 1.0 && reading.ResetsAt is { } reset && reset > now ? reset : now + provider.Interval * 2;
                        health?.ObserveQuota(reading.Share, until);
                        _schedule[key] = (now + provider.Interval, 0);
                    }
                    else
                    {
                        health?.ForgetQuota();
                        var backoff = TimeSpan.FromTicks(Math.Min(provider.Interval.Ticks, FirstBackoff.Ticks << Math.Min(failures, 10)));
                        _schedule[key] = (now + backoff, failures + 1);
                        LogLookupFailed(provider.Name, account.Name, backoff);
                    }

                    results.Add(new QuotaResult(account.Name, provider.Name, reading));
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        return results;
    }

    public override void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Quota lookup {Provider} for account {Account} failed; quota unknown, next try in {Backoff}")]
    private partial void LogLookupFailed(string provider, string account, TimeSpan backoff);
}
