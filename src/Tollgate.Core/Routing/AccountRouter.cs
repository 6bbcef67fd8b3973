using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Core.Accounts;

namespace Tollgate.Core.Routing;

/// <summary>Why no account was chosen.</summary>
public enum RouteError
{
    None,

    /// <summary>The service has no pool, or the pool no enabled account (the gateway answers 503).</summary>
    NoAccounts,

    /// <summary>No account of the pool may serve the requested model (400 naming the model and the pool).</summary>
    NoAccountForModel,

    /// <summary>Every eligible account is over its limits and the pool stops (429 naming the limit).</summary>
    Exhausted,

    /// <summary>Every eligible account is broken, needs attention, or was already tried (503).</summary>
    Unavailable,
}

/// <summary>The outcome of one selection.</summary>
/// <param name="Fallback">Chosen although over its limits or cooling down, because the pool falls back.</param>
/// <param name="MovedFrom">The conversation was bound to this account, which could not take it.</param>
public readonly record struct RouteDecision(Account? Account, RouteError Error, string? Message, bool Fallback, Guid? MovedFrom)
{
    public static RouteDecision Fail(RouteError error, string message) => new(null, error, message, false, null);
}

/// <summary>What a request asks of the router.</summary>
/// <param name="Pool">The pool (from the client key), or null for the service's default pool.</param>
/// <param name="AffinityKeys">Conversation identifiers, strongest first; the first bound one wins.</param>
public readonly record struct RouteRequest(ServiceKind Service, string? Pool, string? Model, ReadOnlyMemory<string> AffinityKeys = default);

/// <summary>
/// Picks the account for each request: pool by service, model scoping first, then session
/// affinity, then the pool's strategy among usable accounts, with ties broken by priority; when
/// nothing is usable, the least-bad fallback or a clear refusal. Pure apart from the clock and
/// the random source, both injected. Accounts can be replaced at any time; health survives.
/// </summary>
public sealed class AccountRouter
{
    private readonly TimeProvider _time;
    private RoutingOptions _options;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly AffinityTable _affinity;
    private readonly Lock _updateLock = new();
    private Dictionary<Guid, AccountHealth> _health = [];
    private FrozenDictionary<string, Pool> _pools = FrozenDictionary<string, Pool>.Empty;

    public AccountRouter(TimeProvider time, RoutingOptions options, Random? random = null, ILogger? logger = null)
    {
        _time = time;
        _options = options;
        _random = random ?? Random.Shared;
        _logger = logger ?? NullLogger.Instance;
        _affinity = new AffinityTable(time, options.AffinityTtl);
    }

    public RoutingOptions Options => _options;

    /// <summary>Applies changed pool settings (strategy, on_exhausted, max_attempts) with the next account set; health timings keep their start values.</summary>
    public void SetOptions(RoutingOptions options) => _options = options;

    /// <summary>True when at least one account is configured: the gateway then requires client keys.</summary>
    public bool HasAccounts => _health.Count > 0;

    /// <summary>Replaces the account set. Health, usage counters and affinity of accounts that stay are kept.</summary>
    /// <param name="broken">Accounts whose credential cannot be read, with the reason.</param>
    public void SetAccounts(IReadOnlyList<Account> accounts, IReadOnlyDictionary<Guid, string>? broken = null, IReadOnlySet<Guid>? credentialChanged = null)
    {
        lock (_updateLock)
        {
            var health = new Dictionary<Guid, AccountHealth>();
            foreach (var a in accounts)
            {
                if (_health.TryGetValue(a.Id, out var h))
                {
                    h.Update(a.Limits, credentialChanged?.Contains(a.Id) == true);
                }
                else
                {
                    h = new AccountHealth(_time, _options, a.Limits);
                }

                if (broken?.TryGetValue(a.Id, out var reason) == true)
                {
                    h.NeedsAttention(reason);
                }

                health[a.Id] = h;
            }

            _pools = accounts
                .GroupBy(a => a.PoolName, StringComparer.OrdinalIgnoreCase)
                .ToFrozenDictionary(
                    g => g.Key,
                    g => new Pool(g.Key, _options.Pool(g.Key), g.OrderByDescending(a => a.Priority).ThenBy(a => a.Name, StringComparer.OrdinalIgnoreCase).Select(a => new Entry(a, health[a.Id])).ToArray()),
                    StringComparer.OrdinalIgnoreCase);
            _health = health;
        }
    }

    public AccountHealth? Health(Guid account) => _health.GetValueOrDefault(account);

    /// <summary>Every account with its health, for the CLI, the dashboard and the API.</summary>
    public IReadOnlyList<(Account Account, HealthSnapshot Health)> Snapshot() =>
        _pools.Values.SelectMany(p => p.Entries).Select(e => (e.Account, e.Health.Snapshot(e.Account.Enabled))).ToList();

    /// <summary>Binds the conversation keys of a served request to the account that served it.</summary>
    public void Bind(ReadOnlySpan<string> keys, Guid account)
    {
        foreach (var key in keys)
        {
            _affinity.Bind(key, account);
        }
    }

    public void Bind(string key, Guid account) => _affinity.Bind(key, account);

    public int MaxAttempts(ServiceKind service, string? pool) =>
        ResolvePool(service, pool) is { } p ? Math.Max(1, p.Options.MaxAttempts) : 1;

    /// <summary>Chooses an account; <paramref name="tried"/> are skipped (earlier attempts of the same request).</summary>
    public RouteDecision Select(in RouteRequest request, ReadOnlySpan<Guid> tried)
    {
        var pool = ResolvePool(request.Service, request.Pool);
        if (pool is null)
        {
            return RouteDecision.Fail(RouteError.NoAccounts, request.Pool is null
                ? $"no account is configured for {ProviderKinds.ServiceName(request.Service)} requests"
                : $"there is no pool '{request.Pool}' with accounts for {ProviderKinds.ServiceName(request.Service)} requests");
        }

        var now = _time.GetUtcNow().UtcTicks;
        Guid? movedFrom = null;
        foreach (var key in request.AffinityKeys.Span)
        {
            if (!_affinity.TryGet(key, out var bound))
            {
                continue;
            }

            var entry = pool.Find(bound);
            if (entry is not null && Eligible(entry, request.Model) && !tried.Contains(bound))
            {
                var u = entry.Health.Check(now);
                if (u == Usability.Usable || (u == Usability.Probe && entry.Health.TryBeginProbe()))
                {
                    return new RouteDecision(entry.Account, RouteError.None, null, false, null);
                }
            }

            movedFrom = bound;
            break;
        }

        var decision = Pick(pool, request.Model, tried, now);
        if (movedFrom is { } from && decision.Account is { } to && to.Id != from)
        {
            _logger.LogWarning("Conversation moved from account {From} to {To}: the bound account cannot take requests now", from, to.Name);
            _health.GetValueOrDefault(from)?.NoteMove();
            decision = decision with { MovedFrom = from };
        }

        return decision;
    }

    private RouteDecision Pick(Pool pool, string? model, ReadOnlySpan<Guid> tried, long now)
    {
        var entries = pool.EligibleFor(model);
        var n = entries.Length;
        var start = n == 0 ? 0 : (int)((uint)Interlocked.Increment(ref pool.Cursor) % (uint)n);
        Entry? best = null;
        var bestIsProbe = false;
        var bestUtil = double.MaxValue;
        var totalWeight = 0L;
        Entry? fallback = null;
        var fallbackUtil = double.MaxValue;
        for (var k = 0; k < n; k++)
        {
            // Round-robin and least-utilized walk from a rotating start so that equals take turns;
            // priority walks in priority order.
            var index = pool.Options.Strategy == RoutingStrategy.Priority ? k : start + k;
            var e = entries[index < n ? index : index - n];
            if (tried.Length > 0 && tried.Contains(e.Account.Id))
            {
                continue;
            }

            var usability = e.Health.Check(now, out var util);
            if (usability == Usability.FallbackOnly)
            {
                if (fallback is null || util < fallbackUtil)
                {
                    (fallback, fallbackUtil) = (e, util);
                }

                continue;
            }

            if (usability == Usability.Unusable)
            {
                continue;
            }

            var probe = usability == Usability.Probe;
            switch (pool.Options.Strategy)
            {
                case RoutingStrategy.Priority or RoutingStrategy.RoundRobin:
                    (best, bestIsProbe) = (e, probe); // the first usable one in walking order; a probe counts
                    break;
                case RoutingStrategy.Weighted:
                    totalWeight += Math.Max(1, e.Account.Weight);
                    if (best is null || probe)
                    {
                        (best, bestIsProbe) = (e, probe); // a probe goes first: it is how a cooled account comes back
                    }

                    break;
                default:
                    var u = probe ? -1 : util; // probes first, for the same reason
                    if (best is null || u < bestUtil || (u == bestUtil && e.Account.Priority > best.Account.Priority))
                    {
                        (best, bestIsProbe, bestUtil) = (e, probe, u);
                    }

                    break;
            }

            if (pool.Options.Strategy is RoutingStrategy.Priority or RoutingStrategy.RoundRobin)
            {
                break;
            }
        }

        if (pool.Options.Strategy == RoutingStrategy.Weighted && best is not null && !bestIsProbe)
        {
            best = PickWeighted(entries, tried, now, totalWeight) ?? best;
        }

        if (best is not null)
        {
            if (bestIsProbe && !best.Health.TryBeginProbe())
            {
                // Another request took the probe slot in the meantime: choose again without it.
                Span<Guid> more = stackalloc Guid[tried.Length + 1];
                tried.CopyTo(more);
                more[^1] = best.Account.Id;
                return Pick(pool, model, more, now);
            }

            return new RouteDecision(best.Account, RouteError.None, null, false, null);
        }

        if (n == 0)
        {
            return RouteDecision.Fail(RouteError.NoAccountForModel, $"no account in pool '{pool.Name}' serves the model '{model ?? "(none given)"}'");
        }

        if (fallback is not null)
        {
            if (pool.Options.OnExhausted == ExhaustedBehavior.Fallback)
            {
                return new RouteDecision(fallback.Account, RouteError.None, null, true, null);
            }

            return RouteDecision.Fail(RouteError.Exhausted, $"every account in pool '{pool.Name}' is over its limits: {DescribeLimits(entries, model)}");
        }

        return RouteDecision.Fail(RouteError.Unavailable, $"no account in pool '{pool.Name}' can take this request now: {DescribeUnavailable(entries, model, tried)}");
    }

    private Entry? PickWeighted(Entry[] entries, ReadOnlySpan<Guid> tried, long now, long totalWeight)
    {
        var ticket = _random.NextInt64(totalWeight);
        foreach (var e in entries)
        {
            if ((tried.Length > 0 && tried.Contains(e.Account.Id)) || e.Health.Check(now) != Usability.Usable)
            {
                continue;
            }

            ticket -= Math.Max(1, e.Account.Weight);
            if (ticket < 0)
            {
                return e;
            }
        }

        return null;
    }

    private static bool Eligible(Entry e, string? model) => e.Account.Enabled && ModelGlob.AllowsAny(e.Account.Models, model);

    private Pool? ResolvePool(ServiceKind service, string? name)
    {
        var pools = _pools;
        if (name is not null)
        {
            return pools.TryGetValue(name, out var named) && named.Service == service ? named : null;
        }

        if (pools.TryGetValue(ProviderKinds.DefaultPool(service), out var p) && p.Service == service)
        {
            return p;
        }

        // No pool under the default name: a single pool of this service is its default.
        Pool? only = null;
        foreach (var candidate in pools.Values)
        {
            if (candidate.Service == service)
            {
                if (only is not null)
                {
                    return null;
                }

                only = candidate;
            }
        }

        return only;
    }

    private static string DescribeLimits(Entry[] entries, string? model) => string.Join("; ", entries
        .Where(e => Eligible(e, model))
        .Select(e => $"'{e.Account.Name}' reached its {e.Health.ReachedLimit() ?? "limit"}"));

    private string DescribeUnavailable(Entry[] entries, string? model, ReadOnlySpan<Guid> tried)
    {
        var triedSet = tried.ToArray();
        return string.Join("; ", entries.Where(e => Eligible(e, model)).Select(e =>
        {
            if (triedSet.Contains(e.Account.Id))
            {
                return $"'{e.Account.Name}' already failed for this request";
            }

            var s = e.Health.Snapshot(true);
            return s.State switch
            {
                HealthState.NeedsAttention => $"'{e.Account.Name}' needs attention ({s.Reason})",
                HealthState.BreakerOpen => $"'{e.Account.Name}' is failing (circuit open until {s.Until:u})",
                _ => $"'{e.Account.Name}' is {s.State.ToString().ToLowerInvariant()}",
            };
        }));
    }

    private sealed class Pool(string name, PoolOptions options, Entry[] entries)
    {
        private const int MaxCachedModels = 512;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Entry[]> _eligible = new(StringComparer.Ordinal);
        public int Cursor;
        public string Name { get; } = name;
        public PoolOptions Options { get; } = options;
        public Entry[] Entries { get; } = entries;
        public ServiceKind Service { get; } = entries[0].Account.Service;

        /// <summary>The enabled accounts allowed to serve the model, in priority order; cached per model name.</summary>
        public Entry[] EligibleFor(string? model)
        {
            var key = model ?? "";
            if (_eligible.TryGetValue(key, out var cached))
            {
                return cached;
            }

            var list = Filter(Entries, model);
            if (_eligible.Count < MaxCachedModels)
            {
                _eligible.TryAdd(key, list);
            }

            return list;
        }

        private static Entry[] Filter(Entry[] entries, string? model) => entries.Where(e => Eligible(e, model)).ToArray();

        public Entry? Find(Guid id)
        {
            foreach (var e in Entries)
            {
                if (e.Account.Id == id)
                {
                    return e;
                }
            }

            return null;
        }
    }

    private sealed record Entry(Account Account, AccountHealth Health);
}
