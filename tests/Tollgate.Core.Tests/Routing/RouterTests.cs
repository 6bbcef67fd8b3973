using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.Accounts;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Routing;

namespace Tollgate.Core.Tests.Routing;

/// <summary>Selection, affinity and health, as pure logic on a fake clock.</summary>
public sealed class RouterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static Account Acct(string name, int priority = 0, int weight = 1, string[]? models = null, AccountLimits? limits = null, ProviderKind provider = ProviderKind.OpenAI, string? pool = null) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        Provider = provider,
        BaseUrl = $"https://{name}.example/v1",
        Priority = priority,
        Weight = weight,
        Models = models ?? [],
        Limits = limits ?? AccountLimits.None,
        Pool = pool,
    };

    private AccountRouter Router(RoutingStrategy strategy, params Account[] accounts) => Router(new PoolOptions { Strategy = strategy }, accounts);

    private AccountRouter Router(PoolOptions pool, params Account[] accounts)
    {
        var options = new RoutingOptions
        {
            Pools = new Dictionary<string, PoolOptions> { ["openai"] = pool, ["anthropic"] = pool },
            LimitsTimeZone = TimeZoneInfo.Utc,
        };
        var router = new AccountRouter(_time, options, new Random(7));
        router.SetAccounts(accounts);
        return router;
    }

    private static RouteRequest Req(string? model = "gpt-5.1", params string[] keys) => new(ServiceKind.OpenAI, null, model, keys);

    private static Account? Pick(AccountRouter r, string? model = "gpt-5.1", params string[] keys) => r.Select(Req(model, keys), []).Account;

    [Theory]
    [InlineData("gpt-5*", "gpt-5.1-codex", true)]
    [InlineData("gpt-5*", "GPT-5", true)]
    [InlineData("gpt-5*", "gpt-4o", false)]
    [InlineData("claude-*-4-5", "claude-sonnet-4-5", true)]
    [InlineData("o?-mini", "o4-mini", true)]
    [InlineData("o?-mini", "o4-mini-high", false)]
    [InlineData("*", "anything", true)]
    public void ModelGlob_Matches(string glob, string model, bool expected) => Assert.Equal(expected, ModelGlob.Matches(glob, model));

    [Fact]
    public void ModelScoping_FiltersFirst_AndNamesModelAndPoolWhenNothingServesIt()
    {
        var claude = Acct("claude-only", priority: 9, models: ["claude-*"]);
        var gpt = Acct("gpt", models: ["gpt-5*"]);
        var r = Router(RoutingStrategy.Priority, claude, gpt);
        Assert.Equal("gpt", Pick(r, "gpt-5.1")!.Name);

        var d = r.Select(Req("o3-pro"), []);
        Assert.Equal(RouteError.NoAccountForModel, d.Error);
        Assert.Contains("'o3-pro'", d.Message);
        Assert.Contains("'openai'", d.Message);
    }

    [Fact]
    public void Services_HaveTheirOwnPools()
    {
        var openai = Acct("openai-key");
        var anthropic = Acct("anthropic-key", provider: ProviderKind.Anthropic);
        var r = Router(RoutingStrategy.Priority, openai, anthropic);
        Assert.Equal("anthropic-key", r.Select(new RouteRequest(ServiceKind.Anthropic, null, "claude-sonnet-4-5"), []).Account!.Name);
        Assert.Equal("openai-key", r.Select(new RouteRequest(ServiceKind.OpenAI, null, "gpt-5"), []).Account!.Name);
        Assert.Equal(RouteError.NoAccounts, r.Select(new RouteRequest(ServiceKind.OpenAI, "team", "gpt-5"), []).Error);
    }

    [Fact]
    public void Priority_FailsOverOn429_AndReturnsWhenTheCooldownEndsOnTime()
    {
        var primary = Acct("primary", priority: 10);
        var backup = Acct("backup", priority: 1);
        var r = Router(RoutingStrategy.Priority, primary, backup);
        Assert.Equal("primary", Pick(r)!.Name);

        r.Health(primary.Id)!.Report(new AttemptReport(AttemptResult.RateLimited, RetryAfter: TimeSpan.FromSeconds(20)));
        Assert.Equal("backup", Pick(r)!.Name);
        var snap = r.Health(primary.Id)!.Snapshot(true);
        Assert.Equal(HealthState.Cooldown, snap.State);
        Assert.Equal(_time.GetUtcNow().AddSeconds(20), snap.Until);

        _time.Advance(TimeSpan.FromSeconds(19.9));
        Assert.Equal("backup", Pick(r)!.Name);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("primary", Pick(r)!.Name);
    }

    [Fact]
    public void TriedAccountsAreSkipped_AndWhenAllAreTriedTheAnswerSaysSo()
    {
        var a = Acct("a", priority: 2);
        var b = Acct("b", priority: 1);
        var r = Router(RoutingStrategy.Priority, a, b);
        Assert.Equal("b", r.Select(Req(), [a.Id]).Account!.Name);
        var d = r.Select(Req(), [a.Id, b.Id]);
        Assert.Equal(RouteError.Unavailable, d.Error);
        Assert.Contains("already failed", d.Message);
    }

    [Fact]
    public void RoundRobin_TakesTurns()
    {
        var r = Router(RoutingStrategy.RoundRobin, Acct("a"), Acct("b"), Acct("c"));
        var names = Enumerable.Range(0, 6).Select(_ => Pick(r)!.Name).ToList();
        Assert.Equal(3, names.Take(3).Distinct().Count());
        Assert.Equal(names.Take(3), names.Skip(3));
    }

    [Fact]
    public void Weighted_FollowsTheWeights()
    {
        var r = Router(RoutingStrategy.Weighted, Acct("heavy", weight: 3), Acct("light", weight: 1));
        var heavy = Enumerable.Range(0, 4000).Count(_ => Pick(r)!.Name == "heavy");
        Assert.InRange(heavy, 2800, 3200); // 75 % ± 5 points, with a fixed seed
    }

    [Fact]
    public void LeastUtilized_PrefersTheLowerShareOfItsTightestLimit_TiesByPriority()
    {
        var big = Acct("big", limits: new AccountLimits(DailyTokens: 1_000_000));
        var small = Acct("small", priority: 5, limits: new AccountLimits(DailyTokens: 100_000));
        var r = Router(RoutingStrategy.LeastUtilized, big, small);
        Assert.Equal("small", Pick(r)!.Name); // both at 0: priority breaks the tie

        r.Health(small.Id)!.RecordUsage(_time.GetUtcNow(), 20_000, null); // 20 %
        r.Health(big.Id)!.RecordUsage(_time.GetUtcNow(), 100_000, null);  // 10 %
        Assert.Equal("big", Pick(r)!.Name);

        // Upstream headers count too: big's upstream says 90 % of its token budget is gone.
        r.Health(big.Id)!.ObserveRateLimits(new RateLimitSnapshot
        {
            Time = _time.GetUtcNow(),
            Api = new ApiRateLimits(null, null, null, LimitTokens: 1000, RemainingTokens: 100, ResetTokens: TimeSpan.FromMinutes(1), null),
        });
        Assert.Equal("small", Pick(r)!.Name);
        _time.Advance(TimeSpan.FromMinutes(1)); // the upstream window reset
        Assert.Equal("big", Pick(r)!.Name);
    }

    [Fact]
    public void Affinity_KeepsAConversationOnItsAccount_AndAMoveIsRecorded()
    {
        var a = Acct("a");
        var b = Acct("b");
        var r = Router(RoutingStrategy.RoundRobin, a, b);
        var first = Pick(r, "gpt-5.1", "session-1")!;
        r.Bind("session-1", first.Id);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(first.Id, Pick(r, "gpt-5.1", "session-1")!.Id); // round-robin would alternate
        }

        r.Health(first.Id)!.Report(new AttemptReport(AttemptResult.RateLimited, RetryAfter: TimeSpan.FromMinutes(1)));
        var moved = r.Select(Req("gpt-5.1", "session-1"), []);
        Assert.NotEqual(first.Id, moved.Account!.Id);
        Assert.Equal(first.Id, moved.MovedFrom);
        Assert.NotNull(r.Health(first.Id)!.Snapshot(true).LastMoveAt);
    }

    [Fact]
    public void Affinity_ExpiresAfterItsTtl()
    {
        var a = Acct("a");
        var r = Router(RoutingStrategy.Priority, a, Acct("b"));
        r.Bind("s", a.Id);
        Assert.Equal(a.Id, Pick(r, "gpt-5.1", "s")!.Id);
        _time.Advance(TimeSpan.FromHours(7));
        Assert.Null(r.Select(Req("gpt-5.1", "s"), []).MovedFrom);
    }

    [Fact]
    public void Breaker_OpensOnServerErrors_ProbesOnceWhenHalfOpen_AndClosesOnSuccess()
    {
        var flaky = Acct("flaky", priority: 10);
        var steady = Acct("steady", priority: 1);
        var r = Router(RoutingStrategy.Priority, flaky, steady);
        var h = r.Health(flaky.Id)!;
        for (var i = 0; i < 4; i++)
        {
            h.Report(new AttemptReport(AttemptResult.ServerError));
        }

        Assert.Equal(HealthState.BreakerOpen, h.Snapshot(true).State);
        Assert.Equal("steady", Pick(r)!.Name);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("flaky", Pick(r)!.Name);   // the probe
        Assert.Equal("steady", Pick(r)!.Name);  // only one probe at a time
        h.Report(new AttemptReport(AttemptResult.Success));
        Assert.Equal(HealthState.Ok, h.Snapshot(true).State);
        Assert.Equal("flaky", Pick(r)!.Name);
    }

    [Fact]
    public void Breaker_FailedProbeOpensItAgain()
    {
        var flaky = Acct("flaky", priority: 10);
        var r = Router(RoutingStrategy.Priority, flaky, Acct("steady"));
        var h = r.Health(flaky.Id)!;
        for (var i = 0; i < 4; i++)
        {
            h.Report(new AttemptReport(AttemptResult.ConnectFailure));
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("flaky", Pick(r)!.Name);
        h.Report(new AttemptReport(AttemptResult.ConnectFailure));
        Assert.Equal(HealthState.BreakerOpen, h.Snapshot(true).State);
        Assert.Equal("steady", Pick(r)!.Name);
    }

    [Fact]
    public void AuthFailure_NeedsAttention_IsSkipped_AndNamedWhenNothingElseIsLeft()
    {
        var bad = Acct("bad", priority: 10);
        var r = Router(RoutingStrategy.Priority, bad);
        r.Health(bad.Id)!.Report(new AttemptReport(AttemptResult.AuthFailure));
        var d = r.Select(Req(), []);
        Assert.Equal(RouteError.Unavailable, d.Error);
        Assert.Contains("'bad' needs attention", d.Message);

        // A new credential (re-added or refreshed) clears it.
        r.SetAccounts([bad], credentialChanged: new HashSet<Guid> { bad.Id });
        Assert.Equal("bad", Pick(r)!.Name);
    }

    [Fact]
    public void BrokenCredential_MarksOnlyThatAccount()
    {
        var broken = Acct("broken", priority: 10);
        var good = Acct("good");
        var r = new AccountRouter(_time, new RoutingOptions { Pools = new Dictionary<string, PoolOptions> { ["openai"] = new() { Strategy = RoutingStrategy.Priority } } });
        r.SetAccounts([broken, good], new Dictionary<Guid, string> { [broken.Id] = "the vault entry does not decrypt" });
        Assert.Equal("good", Pick(r)!.Name);
        Assert.Equal(HealthState.NeedsAttention, r.Health(broken.Id)!.Snapshot(true).State);
    }

    [Fact]
    public void Limits_ExhaustUntilTheDayRollsOver_StopAnswersWithTheLimit_FallbackUsesTheLeastBad()
    {
        var a = Acct("a", limits: new AccountLimits(DailyTokens: 1000));
        var b = Acct("b", limits: new AccountLimits(DailyUsd: 1m));
        var stop = Router(new PoolOptions { OnExhausted = ExhaustedBehavior.Stop }, a, b);
        stop.Health(a.Id)!.RecordUsage(_time.GetUtcNow(), 1000, null);
        stop.Health(b.Id)!.RecordUsage(_time.GetUtcNow(), 10, 1.5m);
        var d = stop.Select(Req(), []);
        Assert.Equal(RouteError.Exhausted, d.Error);
        Assert.Contains("'a' reached its daily token limit (1,000)", d.Message);
        Assert.Contains("'b' reached its daily spend limit ($1)", d.Message);
        var snap = stop.Health(a.Id)!.Snapshot(true);
        Assert.Equal(HealthState.Exhausted, snap.State);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), snap.Until);

        var fallback = Router(new PoolOptions { OnExhausted = ExhaustedBehavior.Fallback }, a, b);
        fallback.Health(a.Id)!.RecordUsage(_time.GetUtcNow(), 1000, null); // 100 %
        fallback.Health(b.Id)!.RecordUsage(_time.GetUtcNow(), 10, 3m);    // 300 %
        var f = fallback.Select(Req(), []);
        Assert.True(f.Fallback);
        Assert.Equal("a", f.Account!.Name);

        _time.SetUtcNow(new DateTimeOffset(2026, 11, 24, 0, 0, 1, TimeSpan.Zero));
        Assert.False(stop.Select(Req(), []).Fallback);
        Assert.Equal(RouteError.None, stop.Select(Req(), []).Error);
    }

    [Fact]
    public void LongCooldown_GetsOneEarlyProbe_SoAnEarlyQuotaResetIsNoticed()
    {
        var primary = Acct("primary", priority: 10);
        var r = Router(RoutingStrategy.Priority, primary, Acct("backup"));
        var h = r.Health(primary.Id)!;
        h.Report(new AttemptReport(AttemptResult.RateLimited, ResetsAt: _time.GetUtcNow().AddHours(5), Detail: "usage_limit_reached"));
        Assert.Equal("backup", Pick(r)!.Name);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("primary", Pick(r)!.Name); // the early probe
        Assert.Equal("backup", Pick(r)!.Name);  // one at a time
        h.Report(new AttemptReport(AttemptResult.Success)); // the quota came back early
        Assert.Equal("primary", Pick(r)!.Name);
        Assert.Equal(HealthState.Ok, h.Snapshot(true).State);
    }

    [Fact]
    public void ClockJumpingBack_DoesNotStretchACooldown()
    {
        var clock = new SettableClock(_time.GetUtcNow());
        var a = Acct("a", priority: 10);
        var r = new AccountRouter(clock, new RoutingOptions { Pools = new Dictionary<string, PoolOptions> { ["openai"] = new() { Strategy = RoutingStrategy.Priority } } });
        r.SetAccounts([a, Acct("b")]);
        r.Health(a.Id)!.Report(new AttemptReport(AttemptResult.RateLimited, RetryAfter: TimeSpan.FromSeconds(30)));
        Assert.Equal("b", Pick(r)!.Name);
        clock.Now = clock.Now.AddHours(-3); // would otherwise be a 3-hour cooldown
        Assert.Equal("a", Pick(r)!.Name);
    }

    /// <summary>A clock that can be set backwards (FakeTimeProvider refuses to).</summary>
    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void AllAccountsCoolingDown_FallbackPicksOne_AndStopRefuses()
    {
        var a = Acct("a");
        var fallback = Router(new PoolOptions(), a);
        fallback.Health(a.Id)!.Report(new AttemptReport(AttemptResult.RateLimited, RetryAfter: TimeSpan.FromSeconds(30)));
        Assert.True(fallback.Select(Req(), []).Fallback);

        var stop = Router(new PoolOptions { OnExhausted = ExhaustedBehavior.Stop }, a);
        stop.Health(a.Id)!.Report(new AttemptReport(AttemptResult.RateLimited, RetryAfter: TimeSpan.FromSeconds(30)));
        var d = stop.Select(Req(), []);
        Assert.Equal(RouteError.Exhausted, d.Error);
        Assert.Contains("rate limited", d.Message);
    }

    [Fact]
    public void SetAccounts_KeepsHealthOfAccountsThatStay()
    {
        var a = Acct("a", priority: 10);
        var b = Acct("b");
        var r = Router(RoutingStrategy.Priority, a, b);
        r.Health(a.Id)!.Report(new AttemptReport(AttemptResult.RateLimited, RetryAfter: TimeSpan.FromMinutes(1)));
        r.SetAccounts([a with { Weight = 5 }, b, Acct("c")]);
        Assert.Equal(HealthState.Cooldown, r.Health(a.Id)!.Snapshot(true).State);
        Assert.Equal(3, r.Snapshot().Count);
    }
}
