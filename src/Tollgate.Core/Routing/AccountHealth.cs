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
/// and exhaustion from its own metered usage against its limits or from upstream rate-limit
/// headers. Thread-safe; selection reads plain fields, reports take a lock.
/// </summary>
public sealed class AccountHealth
{
    private readonly TimeProvider _time;
    private readonly RoutingOptions _options;
    private Accounts.AccountLimits _limits;
    private readonly ResiliencePipeline<AttemptResult> _breaker;
    private readonly Lock _lock = new();

    private long _cooldownUntil;     // UTC ticks; 0 = none
    private long _cooldownSetAt;     // UTC ticks when it was set: a clock that jumps back before it ends the cooldown
    private long _earlyProbeAt;      // UTC ticks; 0 = none
    private long _breakerOpenUntil;  // UTC ticks; 0 = closed
    private bool _breakerHalfOpen;
    private int _probeInFlight;
    private string? _attention;
    private string? _cooldownReason;

    // Usage in the current limit periods.
    private int _dayKey, _monthKey;
    private long _dayEnd;            // UTC ticks when the current day (in the limits' zone) ends; 0 = not computed
    private long _monthEnd;
    private long _tokensToday, _tokensMonth;
    private decimal _usdToday, _usdMonth;
    private double _limitUtilization;

    // Upstream-reported use (x-ratelimit-*, x-codex-*): a share and when it stops applying.
    private double _upstreamUtilization;
    private long _upstreamUntil;
    private long _lastMoveAt;

    // A quota provider's figure (share of a budget) and until when it holds.
    private double _quotaUtilization;
    private long _quotaUntil;

    public AccountHealth(TimeProvider time, RoutingOptions options, Accounts.AccountLimits limits)
    {
        _time = time;
        _options = options;
        _limits = limits;
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
    public void NeedsAttention(string reason)
    {
        lock (_lock)
        {
            _attention = reason;
        }
    }

    public string? Attention => Volatile.Read(ref _attention);

    /// <summary>Applies changed account settings; a changed credential clears "needs attention".</summary>
    internal void Update(Accounts.AccountLimits limits, bool credentialChanged)
    {
        lock (_lock)
        {
            _limits = limits;
            _limitUtilization = ComputeLimitUtilization();
            if (credentialChanged)
            {
                _attention = null;
            }
        }
    }

    internal Usability Check(long nowTicks) => Check(nowTicks, out _);

    /// <summary>What selection may do with the account now, and its utilisation (one pass: this runs per account per request).</summary>
    internal Usability Check(long nowTicks, out double utilization)
    {
        utilization = 0;
        if (_attention is not null)
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
        var cooldown = Volatile.Read(ref _cooldownUntil);
        if (cooldown != 0 && nowTicks < cooldown && nowTicks >= Volatile.Read(ref _cooldownSetAt))
        {
            var probeAt = Volatile.Read(ref _earlyProbeAt);
            return probeAt != 0 && nowTicks >= probeAt && Volatile.Read(ref _probeInFlight) == 0 ? Usability.Probe : Usability.FallbackOnly;
        }

        return utilization >= 1.0 ? Usability.FallbackOnly : Usability.Usable;
    }

    private Usability ProbeSlotFree() => Volatile.Read(ref _probeInFlight) == 0 ? Usability.Probe : Usability.Unusable;

    /// <summary>Claims the single probe slot; false when another request holds it.</summary>
    internal bool TryBeginProbe() => Interlocked.CompareExchange(ref _probeInFlight, 1, 0) == 0;

    /// <summary>The share of the tightest limit used (own metering or upstream headers); 0 without limits.</summary>
    public double Utilization(long nowTicks)
    {
        var upstream = nowTicks < Volatile.Read(ref _upstreamUntil) ? _upstreamUtilization : 0;
        if (nowTicks < Volatile.Read(ref _quotaUntil) && _quotaUtilization > upstream)
        {
            upstream = _quotaUtilization;
        }

        if (nowTicks >= Volatile.Read(ref _dayEnd))
        {
            lock (_lock)
            {
                RollPeriodsLocked(nowTicks);
            }
        }

        var own = _limitUtilization;
        return own >= upstream ? own : upstream;
    }

    /// <summary>Records what an attempt showed about the account.</summary>
    public void Report(AttemptReport report)
    {
        var now = _time.GetUtcNow();
        Interlocked.Exchange(ref _probeInFlight, 0);
        lock (_lock)
        {
            switch (report.Result)
            {
                case AttemptResult.RateLimited:
                    var until = report.ResetsAt ?? now.Add(report.RetryAfter ?? _options.DefaultCooldown);
                    if (until <= now)
                    {
                        until = now.Add(_options.DefaultCooldown);
                    }

                    _cooldownUntil = until.UtcTicks;
                    _cooldownSetAt = now.UtcTicks;
                    _cooldownReason = report.Detail ?? "rate limited (429)";
                    _earlyProbeAt = until - now > _options.EarlyProbeAfter ? now.Add(_options.EarlyProbeAfter).UtcTicks : 0;
                    break;
                case AttemptResult.AuthFailure:
                    _attention = report.Detail ?? "the upstream refused the credential (401/403)";
                    break;
                case AttemptResult.Success:
                    _cooldownUntil = 0;
                    _earlyProbeAt = 0;
                    _cooldownReason = null;
                    break;
            }
        }

        if (report.Result is not (AttemptResult.RateLimited or AttemptResult.AuthFailure))
        {
            try
            {
                _breaker.Execute(static r => r, report.Result);
            }
            catch (BrokenCircuitException)
            {
                // Started before the breaker opened; its result no longer counts.
            }
        }
    }

    /// <summary>Adds metered usage to the current day and month (in the limits' time zone).</summary>
    public void RecordUsage(DateTimeOffset time, long tokens, decimal? usd)
    {
        var (day, month) = PeriodKeys(time.UtcTicks);
        lock (_lock)
        {
            RollPeriodsLocked(_time.GetUtcNow().UtcTicks);
            if (month == _monthKey)
            {
                _tokensMonth += tokens;
                _usdMonth += usd ?? 0;
                if (day == _dayKey)
                {
                    _tokensToday += tokens;
                    _usdToday += usd ?? 0;
                }
            }

            _limitUtilization = ComputeLimitUtilization();
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
            if (w.UsedPercent is { } p && w.ResetsAt is { } reset && reset > snapshot.Time)
            {
                if (p / 100 >= used)
                {
                    used = p / 100;
                    until = reset;
                }
            }
        }

        if (until > snapshot.Time)
        {
            lock (_lock)
            {
                _upstreamUtilization = used;
                _upstreamUntil = until.UtcTicks;
            }
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
    public void ObserveQuota(double share, DateTimeOffset until)
    {
        lock (_lock)
        {
            _quotaUtilization = share;
            _quotaUntil = until.UtcTicks;
        }
    }

    /// <summary>The lookup failed: the quota is unknown, which never counts against the account.</summary>
    public void ForgetQuota()
    {
        lock (_lock)
        {
            _quotaUntil = 0;
        }
    }

    internal void NoteMove() => Volatile.Write(ref _lastMoveAt, _time.GetUtcNow().UtcTicks);

    public HealthSnapshot Snapshot(bool enabled)
    {
        var now = _time.GetUtcNow();
        var ticks = now.UtcTicks;
        var utilization = Utilization(ticks);
        lock (_lock)
        {
            var (state, until, reason) = (enabled, _attention, _breakerOpenUntil, _cooldownUntil) switch
            {
                (false, _, _, _) => (HealthState.Disabled, (long?)null, (string?)null),
                (_, { } a, _, _) => (HealthState.NeedsAttention, null, a),
                (_, _, var b, _) when b != 0 => (HealthState.BreakerOpen, b, _breakerHalfOpen || ticks >= b ? "half-open: the next request probes it" : "server errors or connection failures"),
                (_, _, _, var c) when c != 0 && ticks < c => (HealthState.Cooldown, c, _cooldownReason),
                _ when utilization >= 1.0 => (HealthState.Exhausted, MonthlyLimitReached() ? _monthEnd : _dayEnd, "over its limits"),
                _ => (HealthState.Ok, null, null),
            };
            return new HealthSnapshot(
                state,
                until is { } u ? new DateTimeOffset(u, TimeSpan.Zero) : null,
                reason,
                utilization,
                _tokensToday,
                _tokensMonth,
                _usdToday,
                _usdMonth,
                _lastMoveAt == 0 ? null : new DateTimeOffset(_lastMoveAt, TimeSpan.Zero));
        }
    }

    private void RollPeriodsLocked(long nowTicks)
    {
        if (nowTicks < _dayEnd && nowTicks >= _dayEnd - TimeSpan.TicksPerDay - TimeSpan.TicksPerHour)
        {
            return; // still the same day (the window check also catches a clock that jumped back)
        }

        var (day, month) = PeriodKeys(nowTicks);
        (_dayEnd, _monthEnd) = PeriodEnds(nowTicks);
        if (month != _monthKey)
        {
            _monthKey = month;
            _tokensMonth = 0;
            _usdMonth = 0;
        }

        if (day != _dayKey)
        {
            _dayKey = day;
            _tokensToday = 0;
            _usdToday = 0;
        }

        _limitUtilization = ComputeLimitUtilization();
    }

    private double ComputeLimitUtilization()
    {
        double u = 0;
        if (_limits.DailyTokens is > 0 and var dt)
        {
            u = Math.Max(u, (double)_tokensToday / dt);
        }

        if (_limits.MonthlyTokens is > 0 and var mt)
        {
            u = Math.Max(u, (double)_tokensMonth / mt);
        }

        if (_limits.DailyUsd is > 0 and var du)
        {
            u = Math.Max(u, (double)(_usdToday / du));
        }

        if (_limits.MonthlyUsd is > 0 and var mu)
        {
            u = Math.Max(u, (double)(_usdMonth / mu));
        }

        return u;
    }

    /// <summary>The name of the limit that is reached, for the 429 message; null when none is.</summary>
    public string? ReachedLimit()
    {
        lock (_lock)
        {
            RollPeriodsLocked(_time.GetUtcNow().UtcTicks);
            return (_limits.DailyTokens, _limits.MonthlyTokens, _limits.DailyUsd, _limits.MonthlyUsd) switch
            {
                ({ } dt, _, _, _) when _tokensToday >= dt => $"daily token limit ({dt:N0})",
                (_, { } mt, _, _) when _tokensMonth >= mt => $"monthly token limit ({mt:N0})",
                (_, _, { } du, _) when _usdToday >= du => $"daily spend limit (${du})",
                (_, _, _, { } mu) when _usdMonth >= mu => $"monthly spend limit (${mu})",
                _ when _upstreamUtilization >= 1.0 && _time.GetUtcNow().UtcTicks < _upstreamUntil => "the upstream's rate limit",
                _ when _quotaUtilization >= 1.0 && _time.GetUtcNow().UtcTicks < _quotaUntil => "quota (its budget is spent)",
                _ => _cooldownUntil > _time.GetUtcNow().UtcTicks ? _cooldownReason : null,
            };
        }
    }

    private (int Day, int Month) PeriodKeys(long utcTicks)
    {
        var local = TimeZoneInfo.ConvertTime(new DateTimeOffset(utcTicks, TimeSpan.Zero), _options.LimitsTimeZone);
        return (local.Year * 400 + local.DayOfYear, local.Year * 12 + local.Month);
    }

    private bool MonthlyLimitReached() =>
        (_limits.MonthlyTokens is { } mt && _tokensMonth >= mt) || (_limits.MonthlyUsd is { } mu && _usdMonth >= mu);

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
