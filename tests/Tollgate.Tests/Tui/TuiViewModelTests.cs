using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.Accounts;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Reports;
using Tollgate.Core.Vault;
using Tollgate.Tests.Infrastructure;
using Tollgate.Tui;

namespace Tollgate.Tests.Tui;

/// <summary>What each screen's model shows for a given store and live feed, to the character.</summary>
public sealed class TuiViewModelTests
{
    /// <summary>A Wednesday: the week began on Monday the 23rd.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Usage_StoreWithCallsAcrossAYear_SummaryLinesAddUpEachPeriod()
    {
        var time = new FakeTimeProvider(Now);
        await using var gateway = await TestGateway.StartAsync(settings: s => s with { Time = time });
        await gateway.Store.AppendAsync(
        [
            Call(Now.AddHours(-1), new TokenUsage(1000, 400, 0, 300, 100), 0.0125m),             // today
            Call(new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero), new TokenUsage(2000, 0, 0, 500, 0), 0.5m),   // Monday
            Call(new(2026, 11, 3, 12, 0, 0, TimeSpan.Zero), new TokenUsage(150_000, 50_000, 0, 20_000, 5_000), 2.25m),
            Call(new(2026, 6, 10, 12, 0, 0, TimeSpan.Zero), new TokenUsage(1_000_000, 0, 0, 0, 0), 10m),
            Call(new(2025, 11, 30, 23, 0, 0, TimeSpan.Zero), new TokenUsage(7, 0, 0, 7, 0), 1m),        // before the 12 months
        ], Ct);
        var model = new UsageScreenModel(GatewayDataSource.From(gateway.Services, "test gateway"), time, TimeZoneInfo.Utc);

        await model.RefreshTotalsAsync(Ct);

        Assert.Equal(
            [
                "Period          Reqs    Input   Cached   Output   Reason    Total        Cost",
                "Today              1      600      400      200      100    1,300     $0.0125",
                "This week          2    2,600      400      700      100    3,800     $0.5125",
                "This month         3   102.6k   50,400   15,700    5,100   173.8k       $2.76",
                "Last 12 months     4    1.10M   50,400   15,700    5,100    1.17M      $12.76",
            ],
            model.SummaryLines());
        Assert.Equal(new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero), model.Periods[3].From);
    }

    [Fact]
    public async Task Usage_LiveFeed_NewCallOnTopAndTotalsFollowWithinATick()
    {
        var time = new FakeTimeProvider(Now);
        await using var gateway = await TestGateway.StartAsync(settings: s => s with { Time = time });
        await gateway.Store.AppendAsync([Call(Now.AddMinutes(-30), new TokenUsage(100, 0, 0, 50, 0), 0.001m, model: "gpt-5-mini")], Ct);
        var state = new TuiState(GatewayDataSource.From(gateway.Services, "test gateway"), new FakeAccountEditor(), time, TimeZoneInfo.Utc, NullLogger.Instance);
        await state.LoadAsync(Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = state.RunAsync(stop.Token);

        gateway.Writer.Enqueue(Call(Now.AddSeconds(-2), new TokenUsage(1200, 1000, 0, 300, 120), 0.0101m, model: "gpt-5.1-codex", account: "main", latencyMs: 2345));
        await WaitUntilAsync(() => state.Usage.Requests.Count == 2);
        Assert.Equal(
            [
                "09:59:58 gpt-5.1-codex        main         200       2.3s    1,500   $0.0101",
                "09:30:00 gpt-5-mini           —            200      120ms      150   $0.0010",
            ],
            state.Usage.RequestLines());

        var before = state.Version;
        time.Advance(TimeSpan.FromSeconds(1)); // one tick: new calls make the totals stale
        await WaitUntilAsync(() => state.Usage.Periods[0].Figures.Requests == 2);
        Assert.True(state.Version > before);
        Assert.Equal("Today              2      300    1,000      230      120    1,650     $0.0111", state.Usage.SummaryLines()[1]);

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public void Usage_CallsWithoutUsageOrPrice_SayUnknownAndUnpriced()
    {
        var zone = TimeZoneInfo.Utc;
        var at = Now;
        Assert.Equal(
            "10:00:00 some-very-long-mode… relay        unrch     15ms        ?         —",
            UsageScreenModel.RequestLine(new RequestRow(Guid.NewGuid(), at, "some-very-long-model-name", "relay", 0, CallOutcome.UpstreamUnreachable, 15, null, null), zone));
        Assert.Equal(
            "10:00:00 local-llm            —            200      900ms       20  unpriced",
            UsageScreenModel.RequestLine(new RequestRow(Guid.NewGuid(), at, "local-llm", null, 200, CallOutcome.Success, 900, new TokenUsage(10, 0, 0, 10, 0), null), zone));
        Assert.Equal(
            "Today              3        0        0        0        0        0    unpriced",
            UsageScreenModel.SummaryLine("Today", new(3, 0, 0, 0, 0, 0, 0, 3, 0)));
        Assert.Equal(
            "Today              3        0        0        0        0        0  $1,234.50+",
            UsageScreenModel.SummaryLine("Today", new(3, 0, 0, 0, 0, 0, 1234.5m, 1, 0)));
    }

    [Fact]
    public void Status_AMessage_ShowsForTenSecondsThenTheHintsComeBack()
    {
        var time = new FakeTimeProvider(Now);
        var state = new TuiState(new FakeTuiDataSource(), new FakeAccountEditor(), time, TimeZoneInfo.Utc, NullLogger.Instance);
        var before = state.Version;

        state.SetStatus("Account 'main' disabled.");
        time.Advance(TimeSpan.FromSeconds(9));

        Assert.Equal("Account 'main' disabled.", state.Status);
        Assert.True(state.Version > before);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("", state.Status);
    }

    [Fact]
    public void Usage_LiveRowsMergedTwice_AreShownOnceNewestFirstAndCapped()
    {
        var model = new UsageScreenModel(new FakeTuiDataSource(), new FakeTimeProvider(Now), TimeZoneInfo.Utc);
        var rows = Enumerable.Range(0, UsageScreenModel.MaxRows + 10)
            .Select(i => new RequestRow(Guid.NewGuid(), Now.AddSeconds(i), "m", null, 200, CallOutcome.Success, 1, null, null))
            .ToList();

        model.Add(rows[..100]);
        model.Add(rows);
        model.Add(rows[^5..]);

        Assert.Equal(UsageScreenModel.MaxRows, model.Requests.Count);
        Assert.Equal(rows[^1].Id, model.Requests[0].Id);
        Assert.Equal(rows[10].Id, model.Requests[^1].Id);
    }

    [Fact]
    public async Task Accounts_HealthCooldownAndLimits_ShowCountdownAndUsageAgainstLimit()
    {
        var time = new FakeTimeProvider(Now);
        var source = new FakeTuiDataSource();
        source.AccountList.Add(FakeTuiDataSource.Account("main", limits: new AccountLimits(DailyTokens: 100_000, MonthlyUsd: 50m)));
        source.AccountList.Add(FakeTuiDataSource.Account("backup", "cooldown", Now.AddMinutes(4).AddSeconds(30)));
        source.AccountList.Add(FakeTuiDataSource.Account("old", enabled: false));
        var model = new AccountsScreenModel(source, new FakeAccountEditor(), time);

        await model.RefreshAsync(Ct);

        Assert.Equal(
            [
                "main             ok               12,345/100.0k $0.4000  250.0k $7.25/$50.00",
                "backup           cooldown 4m      12,345 $0.4000         250.0k $7.25",
                "old              disabled         12,345 $0.4000         250.0k $7.25",
            ],
            model.Lines());
        Assert.Equal(
            [
                "backup  ·  openai  ·  pool openai  ·  enabled",
                "URL     https://api.openai.com/v1",
                "Key     sk-proj-…a1b2",
                "Health  cooldown 4m (429 from upstream)",
                "Today   12,345 $0.4000",
                "Month   250.0k $7.25",
            ],
            model.Details(1));
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.StartsWith("backup           cooldown 1m  ", model.Lines()[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accounts_AddToggleRemove_GoThroughTheCliCodeIntoTheStore()
    {
        var dir = Directory.CreateTempSubdirectory("tollgate-tui-");
        try
        {
            var database = new SqliteDatabase(Path.Combine(dir.FullName, "tollgate.db"));
            await database.MigrateAsync(Ct);
            var service = new AccountService(database, new VaultService(database, new VaultKeyOptions { KeyFilePath = Path.Combine(dir.FullName, "vault.key") }, TimeProvider.System), TimeProvider.System);
            var source = new StoreAccounts(service.Store);
            var model = new AccountsScreenModel(source, new AccountEditor(service), new FakeTimeProvider(Now));

            Assert.Equal("Added account 'main' (key sk-proj-…wxyz); the gateway uses it within seconds.", await model.AddAsync(" main ", "https://api.openai.com/v1", "sk-proj-abcdefghijklmnopqrstuvwxyz", Ct));
            Assert.StartsWith("'bad name' is not a usable account name", await model.AddAsync("bad name", "https://api.openai.com/v1", "sk-proj-abcdefghijklmnop", Ct), StringComparison.Ordinal);
            Assert.StartsWith("--base-url 'ftp://x' must be an absolute http(s) URL", await model.AddAsync("relay", "ftp://x", "sk-proj-abcdefghijklmnop", Ct), StringComparison.Ordinal);
            var stored = Assert.Single(await service.Store.ListAsync(Ct));
            Assert.Equal(ProviderKind.OpenAI, stored.Provider);
            Assert.Equal("sk-proj-…wxyz", stored.KeyFingerprint);

            Assert.Equal("Account 'main' disabled.", await model.ToggleAsync(model.Accounts[0], Ct));
            Assert.False((await service.Store.FindAsync("main", Ct))!.Enabled);
            Assert.Equal("disabled", AccountsScreenModel.Health(model.Accounts[0], Now));

            Assert.Equal("Removed account 'main'. Its usage history stays in the reports.", await model.RemoveAsync(model.Accounts[0], Ct));
            Assert.Empty(await service.Store.ListAsync(Ct));
            Assert.Empty(model.Accounts);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Limits_WindowsAndSessions_CountDownFromNowWithContextPressure()
    {
        var time = new FakeTimeProvider(Now);
        var resets = Now.AddHours(2).AddMinutes(13);
        var weekly = Now.AddDays(3).AddHours(4);
        var source = new FakeTuiDataSource
        {
            Limits = new LimitsReport(
                [
                    new LimitSourceRow("codex-log", "/home/me/.codex", "plus", Now.AddMinutes(-5),
                    [
                        new LimitWindowRow(WindowKind.FiveHour, "primary", 42.5, 300, resets, false, 17),
                        new LimitWindowRow(WindowKind.Weekly, "secondary", 8, 10080, weekly, false, 230),
                    ]),
                ],
                [new CodexSession("019a2b3c-session", "/home/me/.codex", "f.jsonl", "/src/app", null, null, "gpt-5.1-codex", null, null, null, null, Now.AddMinutes(-3), 12, 400_000, 272_000, 168_640)],
                Now),
        };
        var model = new LimitsScreenModel(source, time);

        await model.RefreshAsync(Ct);
        time.Advance(TimeSpan.FromMinutes(10));

        string Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, TimeZoneInfo.Local).ToString("ddd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            [
                "/home/me/.codex (plus)",
                $"  5-hour   ████░░░░░░  42.5 %  17 msgs     resets in 2h 3m ({Local(resets)})",
                $"  weekly   █░░░░░░░░░     8 %  230 msgs    resets in 3d 3h ({Local(weekly)})",
            ],
            model.WindowLines());
        Assert.Equal(
            ["019a2b3c… gpt-5.1-codex    ██████░░░░  62 % 168.6k    13m ago  /src/app"],
            model.SessionLines());
    }

    private static UsageRecord Call(DateTimeOffset at, TokenUsage usage, decimal cost, string model = "gpt-5", string? account = null, double latencyMs = 120) => new()
    {
        Id = Guid.CreateVersion7(at),
        Time = at,
        Source = "gateway",
        Service = "openai",
        Endpoint = "/v1/responses",
        Status = 200,
        Model = model,
        LatencyMs = latencyMs,
        UsageState = UsageState.Reported,
        Usage = usage,
        CostUsd = cost,
        Account = account,
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20, Ct);
        }

        Assert.True(condition(), "timed out after 10 s");
    }

    /// <summary>The accounts straight from the store, as a gateway would list them (all healthy).</summary>
    private sealed class StoreAccounts(AccountStore store) : ITuiDataSource
    {
        private readonly FakeTuiDataSource _rest = new();

        public string Description => "store";

        public Task<Core.Usage.Queries.UsageFigures> TotalsAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken) => _rest.TotalsAsync(from, until, cancellationToken);

        public Task<IReadOnlyList<RequestRow>> RecentAsync(int limit, CancellationToken cancellationToken) => _rest.RecentAsync(limit, cancellationToken);

        public IAsyncEnumerable<RequestRow> WatchAsync(CancellationToken cancellationToken) => _rest.WatchAsync(cancellationToken);

        public async Task<IReadOnlyList<AccountRow>> AccountsAsync(CancellationToken cancellationToken) =>
            (await store.ListAsync(cancellationToken)).Select(a => new AccountRow(
                a.Id, a.Name, ProviderKinds.Name(a.Provider), a.BaseUrl, a.PoolName, a.Enabled, a.KeyFingerprint,
                new AccountHealthView(a.Enabled ? "ok" : "disabled", null, null), new AccountUsageView(0, 0, 0, 0), a.Limits)).ToList();

        public Task<LimitsReport> LimitsAsync(CancellationToken cancellationToken) => _rest.LimitsAsync(cancellationToken);
    }
}
