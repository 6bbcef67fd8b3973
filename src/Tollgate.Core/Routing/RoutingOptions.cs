namespace Tollgate.Core.Routing;

/// <summary>How a pool picks among its usable accounts.</summary>
public enum RoutingStrategy
{
    /// <summary>The account with the lowest share of its tightest limit (own metering and upstream rate-limit headers).</summary>
    LeastUtilized,
    RoundRobin,

    /// <summary>Highest priority first; the next only when it is unusable (ordered failover).</summary>
    Priority,

    /// <summary>At random, in proportion to the accounts' weights.</summary>
    Weighted,
}

/// <summary>What a pool does when every account is over its limits or cooling down.</summary>
public enum ExhaustedBehavior
{
    /// <summary>Use the least-bad account anyway (the upstream decides).</summary>
    Fallback,

    /// <summary>Answer 429 naming the limit.</summary>
    Stop,
}

/// <summary>One pool's settings (<c>[pools.NAME]</c>).</summary>
public sealed record PoolOptions
{
    public RoutingStrategy Strategy { get; init; } = RoutingStrategy.LeastUtilized;
    public ExhaustedBehavior OnExhausted { get; init; } = ExhaustedBehavior.Fallback;

    /// <summary>Accounts tried for one request before its error goes to the client.</summary>
    public int MaxAttempts { get; init; } = 3;
}

/// <summary>Routing and health settings (<c>[routing]</c>).</summary>
public sealed record RoutingOptions
{
    public IReadOnlyDictionary<string, PoolOptions> Pools { get; init; } = new Dictionary<string, PoolOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a conversation stays bound to its account after its last request.</summary>
    public TimeSpan AffinityTtl { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Cooldown after a 429 that says nothing about when to come back.</summary>
    public TimeSpan DefaultCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait before an account in a long cooldown gets one early probe (quotas are sometimes reset early).</summary>
    public TimeSpan EarlyProbeAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Circuit breaker: opens when this share of calls fails within the window (with at least the minimum number of calls).</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;
    public int BreakerMinimumThroughput { get; init; } = 4;
    public TimeSpan BreakerWindow { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan BreakerDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time zone in which daily and monthly limits roll over.</summary>
    public TimeZoneInfo LimitsTimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>Settings of pools that have none of their own (<c>[routing]</c> strategy, on_exhausted, max_attempts).</summary>
    public PoolOptions DefaultPool { get; init; } = new();

    public PoolOptions Pool(string name) => Pools.TryGetValue(name, out var p) ? p : DefaultPool;
}
