using Polly;
using Polly.CircuitBreaker;
using Tollgate.Core.RateLimits;

namespace Tollgate.Core.Routing;

/// <summary>How one attempt against an account ended, as far as the account's health is concerned.</summary>
public enum AttemptResult
{
    Success,

    /// <summary>429: cool down until the upstream says it resets.</summary>
    RateLimited,

    /// <summary>5xx from the upstream.</summary>
    ServerError,

    /// <summary>No connection, or no response.</summary>
    ConnectFailure,

    /// <summary>The stream broke after it started.</summary>
    Cut,

    /// <summary>401/403: the credential is wrong; needs the user's attention.</summary>
    AuthFailure,

    /// <summary>400/404/413/422…: the request's fault, not the account's.</summary>
    ClientError,
}

/// <summary>An attempt's result and what the upstream said about when to come back.</summary>
public readonly record struct AttemptReport(AttemptResult Result, TimeSpan? RetryAfter = null, DateTimeOffset? ResetsAt = null, string? Detail = null);

/// <summary>The states shown for an account (CLI, dashboard, TUI, API).</summary>
public enum HealthState
{
    Ok,
    Cooldown,
    BreakerOpen,
    NeedsAttention,
    Exhausted,
    Disabled,
}

/// <summary>What selection may do with an account right now.</summary>
internal enum Usability
{
    Usable,

    /// <summary>Cooling down or half-open, but one probe request may go through.</summary>
    Probe,

    /// <summary>Over a limit or cooling down: used only when the pool falls back.</summary>
    FallbackOnly,
    Unusable,
}

/// <summary>A point-in-time view of an account's health and usage against its limits.</summary>
public sealed record HealthSnapshot(
    HealthState State,
    DateTimeOffset? Until,
    string? Reason,
    double Utilization,
    long TokensToday,
    long TokensThisMonth,
    decimal UsdToday,
    decimal UsdThisMonth,
    DateTimeOffset? LastMoveAt);

/// <summary>
/// Health of one account: cooldown from 429s (with an early re-probe), a circuit breaker on
/// 5xx and connection failures (Polly's, driven by the reports), "needs attention" on 401/403,
/// and exhaustion from its own metered usage against its limits, from upstream rate-limit
/// headers or from a quota provider. Every piece of state is an immutable value published
/// with one atomic write, so the request path (selection and reports) never takes a lock;
/// only the usage writer and the snapshot for display serialise on one.
/// </summary>
public sealed class AccountHealth
{
    private readonly TimeProvider _time;
    private readonly RoutingOptions _options;
    private readonly ResiliencePipeline<AttemptResult> _breaker;
    private readonly Lock _usageLock = new(); // writers of _usage only: the usage writer and display

    private Cooldown? _cooldown;
    private string? _attention;
    private Share? _upstream;   // x-ratelimit-*, x-codex-*
    private Share? _quota;      // a quota provider's reading
    private Usage _usage;
    private long _breakerOpenUntil;  // UTC ticks; 0 = closed
    private bool _breakerHalfOpen;
    private int _probeInFlight;
    private long _lastMoveAt;

    /// <summary>A cooldown after a 429, with when it was set: a clock that jumps back before that ends it.</summary>
    private sealed record Cooldown(long Until, long SetAt, long EarlyProbeAt, string Reason);

    /// <summary>A share of some budget used, valid until a time.</summary>
    private sealed record Share(double Value, long Until);

    /// <summary>
    /// Metered usage in the current limit periods and what it means against the limits. The
    /// period ends let a reader see a rolled-over day or month without rewriting anything.
    /// </summary>
    private sealed record Usage(
        Accounts.AccountLimits Limits, int DayKey, int MonthKey, long DayEnd, long MonthEnd,
        long TokensToday, long TokensMonth, decimal UsdToday, decimal UsdMonth, double Daily, double Monthly);

    public AccountHealth(TimeProvider time, RoutingOptions options, Accounts.AccountLimits limits)
    {
        _time = time;
        _options = options;
        _usage = new Usage(limits, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        _breaker = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptResult>
            {
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = Math.Max(2, options.BreakerMinimumThroughput),
                SamplingDuration = options.BreakerWindow,
                BreakDuration = options.BreakerDuration,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result is AttemptResult.ServerError or AttemptResult.ConnectFailure or AttemptResult.Cut),
                OnOpened = args =>
                {
                    Volatile.Write(ref _breakerOpenUntil, _time.GetUtcNow().Add(args.BreakDuration).UtcTicks);
                    _breakerHalfOpen = false;
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    _breakerHalfOpen = true;
                    return default;
                },
                OnClosed = _ =>
                {
                    Volatile.Write(ref _breakerOpenUntil, 0);
                    _breakerHalfOpen = false;
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Marks the account as needing the user's attention (bad credential, vault entry that does not decrypt, unset env var).</summary>
    public void NeedsAttention(string reason) => Volatile.Write(ref _attention, reason);

    /// <summary>Applies changed account settings; a changed credential clears "needs attention".</summary>
    internal void Update(Accounts.AccountLimits limits, bool credentialChanged)
    {
        lock (_usageLock)
        {
            Volatile.Write(ref _usage, Rated(_usage with { Limits = limits }));
        }

        if (credentialChanged)
        {
            Volatile.Write(ref _attention, null);
        }
    }

    internal Usability Check(long nowTicks) => Check(nowTicks, out _);

    /// <summary>What selection may do with the account now, and its utilisation (one pass: this runs per account per request).</summary>
    internal Usability Check(long nowTicks, out double utilization)
    {
        utilization = 0;
        if (Volatile.Read(ref _attention) is not null)
        {
            return Usability.Unusable;
        }

        var breakerUntil = Volatile.Read(ref _breakerOpenUntil);
        if (breakerUntil != 0)
        {
            // Open until the break ends; then one probe decides (Polly goes half-open when it sees it).
            return nowTicks < breakerUntil ? Usability.Unusable : ProbeSlotFree();
        }

        utilization = Utilization(nowTicks);
        if (Volatile.Read(ref _cooldown) is { } c && nowTicks < c.Until && nowTicks >= c.SetAt)
        {
            return c.EarlyProbeAt != 0 && nowTicks >= c.EarlyProbeAt && Volatile.Read(ref _probeInFlight) == 0 ? Usability.Probe : Usability.FallbackOnly;
        }

        return utilization >= 1.0 ? Usability.FallbackOnly : Usability.Usable;
    }

    private Usability ProbeSlotFree() => Volatile.Read(ref _probeInFlight) == 0 ? Usability.Probe : Usability.Unusable;

    /// <summary>Claims the single probe slot; false when another request holds it.</summary>
    internal bool TryBeginProbe() => Interlocked.CompareExchange(ref _probeInFlight, 1, 0) == 0;

    /// <summary>The share of the tightest limit used (own metering, upstream headers, quota provider); 0 without limits.</summary>
    public double Utilization(long nowTicks)
    {
        var usage = Volatile.Read(ref _usage);
        var own = nowTicks >= usage.MonthEnd ? 0 : nowTicks >= usage.DayEnd ? usage.Monthly : Math.Max(usage.Daily, usage.Monthly);
        var upstream = Volatile.Read(ref _upstream) is { } u && nowTicks < u.Until ? u.Value : 0;
        var quota = Volatile.Read(ref _quota) is { } q && nowTicks < q.Until ? q.Value : 0;
        return Math.Max(own, Math.Max(upstream, quota));
    }

    /// <summary>Records what an attempt showed about the account.</summary>
    public void Report(AttemptReport report)
    {
        var now = _time.GetUtcNow();
        Interlocked.Exchange(ref _probeInFlight, 0);
        switch (report.Result)
        {
            case AttemptResult.RateLimited:
                var until = report.ResetsAt ?? now.Add(report.RetryAfter ?? _options.DefaultCooldown);
                if (until <= now)
                {
                    until = now.Add(_options.DefaultCooldown);
                }

                var earlyProbe = until - now > _options.EarlyProbeAfter ? now.Add(_options.EarlyProbeAfter).UtcTicks : 0;
                Volatile.Write(ref _cooldown, new Cooldown(until.UtcTicks, now.UtcTicks, earlyProbe, report.Detail ?? "rate limited (429)"));
                return; // the breaker counts server health, not quota
            case AttemptResult.AuthFailure:
                Volatile.Write(ref _attention, report.Detail ?? "the upstream refused the credential (401/403)");
                return;
            case AttemptResult.Success when Volatile.Read(ref _cooldown) is not null:
                Volatile.Write(ref _cooldown, null);
                break;
        }

        try
        {
            _breaker.Execute(static r => r, report.Result);
        }
        catch (BrokenCircuitException)
        {
            // Started before the breaker opened; its result no longer counts.
        }
    }

    /// <summary>Adds metered usage to the current day and month (in the limits' time zone). Called by the usage writer, not on the request path.</summary>
    public void RecordUsage(DateTimeOffset time, long tokens, decimal? usd)
    {
        var (day, month) = PeriodKeys(time.UtcTicks);
        lock (_usageLock)
        {
            var u = Rolled(_usage, _time.GetUtcNow().UtcTicks);
            if (month == u.MonthKey)
            {
                u = u with { TokensMonth = u.TokensMonth + tokens, UsdMonth = u.UsdMonth + (usd ?? 0) };
                if (day == u.DayKey)
                {
                    u = u with { TokensToday = u.TokensToday + tokens, UsdToday = u.UsdToday + (usd ?? 0) };
                }
            }

            Volatile.Write(ref _usage, Rated(u));
        }
    }

    /// <summary>Takes in what the upstream reported about its own limits for this account.</summary>
    public void ObserveRateLimits(RateLimitSnapshot snapshot)
    {
        double used = 0;
        var until = DateTimeOffset.MinValue;
        if (snapshot.Api is { } api)
        {
            Consider(api.LimitRequests, api.RemainingRequests, api.ResetRequests);
            Consider(api.LimitTokens, api.RemainingTokens, api.ResetTokens);
        }

        foreach (var w in snapshot.Windows)
        {
            if (w.UsedPercent is { } p && w.ResetsAt is { } reset && reset > snapshot.Time && p / 100 >= used)
            {
                used = p / 100;
                until = reset;
            }
        }

        if (until > snapshot.Time)
        {
            Volatile.Write(ref _upstream, new Share(used, until.UtcTicks));
        }

        void Consider(long? limit, long? remaining, TimeSpan? reset)
        {
            if (limit is > 0 && remaining is { } r && reset is { } d)
            {
                var share = 1 - (double)r / limit.Value;
                if (share >= used)
                {
                    used = share;
                    until = snapshot.Time.Add(d);
                }
            }
        }
    }

    /// <summary>A quota provider's reading: the share of its budget used, valid until <paramref name="until"/>.</summary>
    public void ObserveQuota(double share, DateTimeOffset until) => Volatile.Write(ref _quota, new Share(share, until.UtcTicks));

    /// <summary>The lookup failed: the quota is unknown, which never counts against the account.</summary>
    public void ForgetQuota() => Volatile.Write(ref _quota, null);

    internal void NoteMove() => Volatile.Write(ref _lastMoveAt, _time.GetUtcNow().UtcTicks);

    public HealthSnapshot Snapshot(bool enabled)
    {
        var ticks = _time.GetUtcNow().UtcTicks;
        var utilization = Utilization(ticks);
        var usage = CurrentUsage(ticks);
        var breaker = Volatile.Read(ref _breakerOpenUntil);
        var cooldown = Volatile.Read(ref _cooldown);
        var (state, until, reason) = (enabled, Volatile.Read(ref _attention)) switch
        {
            (false, _) => (HealthState.Disabled, (long?)null, (string?)null),
            (_, { } a) => (HealthState.NeedsAttention, null, a),
            _ when breaker != 0 => (HealthState.BreakerOpen, breaker, _breakerHalfOpen || ticks >= breaker ? "half-open: the next request probes it" : "server errors or connection failures"),
            _ when cooldown is { } c && ticks < c.Until && ticks >= c.SetAt => (HealthState.Cooldown, c.Until, c.Reason),
            _ when utilization >= 1.0 => (HealthState.Exhausted, usage.Monthly >= 1.0 ? usage.MonthEnd : usage.DayEnd, "over its limits"),
            _ => (HealthState.Ok, null, null),
        };
        var moved = Volatile.Read(ref _lastMoveAt);
        return new HealthSnapshot(
            state,
            until is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null,
            reason,
            utilization,
            usage.TokensToday,
            usage.TokensMonth,
            usage.UsdToday,
            usage.UsdMonth,
            moved == 0 ? null : new DateTimeOffset(moved, TimeSpan.Zero));
    }

    /// <summary>The name of the limit that is reached, for the 429 message; null when none is.</summary>
    public string? ReachedLimit()
    {
        var ticks = _time.GetUtcNow().UtcTicks;
        var u = CurrentUsage(ticks);
        var limits = u.Limits;
        return (limits.DailyTokens, limits.MonthlyTokens, limits.DailyUsd, limits.MonthlyUsd) switch
        {
            ({ } dt, _, _, _) when u.TokensToday >= dt => $"daily token limit ({dt:N0})",
            (_, { } mt, _, _) when u.TokensMonth >= mt => $"monthly token limit ({mt:N0})",
            (_, _, { } du, _) when u.UsdToday >= du => $"daily spend limit (${du})",
            (_, _, _, { } mu) when u.UsdMonth >= mu => $"monthly spend limit (${mu})",
            _ when Volatile.Read(ref _upstream) is { Value: >= 1.0 } up && ticks < up.Until => "the upstream's rate limit",
            _ when Volatile.Read(ref _quota) is { Value: >= 1.0 } q && ticks < q.Until => "quota (its budget is spent)",
            _ => Volatile.Read(ref _cooldown) is { } c && ticks < c.Until ? c.Reason : null,
        };
    }

    /// <summary>The usage as of now, with a day or month that has ended rolled over (published for the next reader).</summary>
    private Usage CurrentUsage(long nowTicks)
    {
        var usage = Volatile.Read(ref _usage);
        if (nowTicks < usage.DayEnd && nowTicks >= usage.DayEnd - TimeSpan.TicksPerDay - TimeSpan.TicksPerHour)
        {
            return usage;
        }

        lock (_usageLock)
        {
            var rolled = Rated(Rolled(_usage, nowTicks));
            Volatile.Write(ref _usage, rolled);
            return rolled;
        }
    }

    /// <summary>Counters moved to the periods of <paramref name="nowTicks"/>; a new day or month starts from zero. (A clock that jumped back also starts a new period.)</summary>
    private Usage Rolled(Usage u, long nowTicks)
    {
        if (nowTicks < u.DayEnd && nowTicks >= u.DayEnd - TimeSpan.TicksPerDay - TimeSpan.TicksPerHour)
        {
            return u;
        }

        var (day, month) = PeriodKeys(nowTicks);
        var (dayEnd, monthEnd) = PeriodEnds(nowTicks);
        return u with
        {
            DayKey = day,
            MonthKey = month,
            DayEnd = dayEnd,
            MonthEnd = monthEnd,
            TokensToday = day == u.DayKey ? u.TokensToday : 0,
            UsdToday = day == u.DayKey ? u.UsdToday : 0,
            TokensMonth = month == u.MonthKey ? u.TokensMonth : 0,
            UsdMonth = month == u.MonthKey ? u.UsdMonth : 0,
        };
    }

    /// <summary>The daily and monthly shares of the tightest limit of each period.</summary>
    private static Usage Rated(Usage u)
    {
        var l = u.Limits;
        double daily = 0, monthly = 0;
        if (l.DailyTokens is > 0 and var dt)
        {
            daily = Math.Max(daily, (double)u.TokensToday / dt);
        }

        if (l.DailyUsd is > 0 and var du)
        {
            daily = Math.Max(daily, (double)(u.UsdToday / du));
        }

        if (l.MonthlyTokens is > 0 and var mt)
        {
            monthly = Math.Max(monthly, (double)u.TokensMonth / mt);
        }

        if (l.MonthlyUsd is > 0 and var mu)
        {
            monthly = Math.Max(monthly, (double)(u.UsdMonth / mu));
        }

        return u with { Daily = daily, Monthly = monthly };
    }

    private (int Day, int Month) PeriodKeys(long utcTicks)
    {
        var local = TimeZoneInfo.ConvertTime(new DateTimeOffset(utcTicks, TimeSpan.Zero), _options.LimitsTimeZone);
        return (local.Year * 400 + local.DayOfYear, local.Year * 12 + local.Month);
    }

    private (long DayEnd, long MonthEnd) PeriodEnds(long nowTicks)
    {
        var zone = _options.LimitsTimeZone;
        var local = TimeZoneInfo.ConvertTime(new DateTimeOffset(nowTicks, TimeSpan.Zero), zone);
        var tomorrow = local.Date.AddDays(1);
        var nextMonth = new DateTime(local.Year, local.Month, 1).AddMonths(1);
        return (new DateTimeOffset(tomorrow, zone.GetUtcOffset(tomorrow)).UtcTicks, new DateTimeOffset(nextMonth, zone.GetUtcOffset(nextMonth)).UtcTicks);
    }
}

/// <summary>The names health states have in JSON, the CLI and the dashboard.</summary>
public static class HealthNames
{
    public static string Of(HealthState state) => state switch
    {
        HealthState.Ok => "ok",
        HealthState.Cooldown => "cooldown",
        HealthState.BreakerOpen => "breaker-open",
        HealthState.NeedsAttention => "needs-attention",
        HealthState.Exhausted => "exhausted",
        _ => "disabled",
    };
}
