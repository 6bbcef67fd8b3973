using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;
using Tollgate.Tests.Infrastructure;
using Tollgate.Tui;

namespace Tollgate.Tests.Tui;

/// <summary>
/// <c>--attach</c> shows what the in-process UI shows: the API-backed source reads the same
/// totals, rows, live calls, accounts and limits from a running gateway as the in-process one.
/// </summary>
public sealed class TuiDataSourceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApiSource_SameGateway_ReadsWhatTheInProcessSourceReads()
    {
        var time = new FakeTimeProvider(Now);
        await using var gateway = await TestGateway.StartAsync(settings: s => s with { Time = time });
        await gateway.Store.AppendAsync(
        [
            Call(Now.AddHours(-2), new TokenUsage(1000, 400, 10, 300, 100), 0.0125m, "gpt-5"),
            Call(Now.AddDays(-3), null, null, "gpt-4o", CallOutcome.UpstreamError, 429),
            Call(Now.AddDays(-40), new TokenUsage(5, 0, 0, 5, 0), null, "local"),
        ], Ct);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl + "/") };
        var inProcess = GatewayDataSource.From(gateway.Services, "in process");
        var attached = new ApiDataSource(http, time);

        Assert.True(await ApiDataSource.ProbeAsync(http, Ct));
        foreach (var (_, from, until) in UsageScreenModel.PeriodsAt(Now, TimeZoneInfo.Utc))
        {
            Assert.Equal(await inProcess.TotalsAsync(from, until, Ct), await attached.TotalsAsync(from, until, Ct));
        }

        Assert.Equal(await inProcess.RecentAsync(10, Ct), await attached.RecentAsync(10, Ct));
        Assert.Equal(
            (await inProcess.AccountsAsync(Ct)).Select(a => a.Name),
            (await attached.AccountsAsync(Ct)).Select(a => a.Name));
        var limits = await attached.LimitsAsync(Ct);
        Assert.Empty(limits.Sources);
        Assert.Empty(limits.ActiveSessions);

        // The live feed over /api/live brings a call as it is stored, with the fields the table shows.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        await using var live = attached.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var next = live.MoveNextAsync().AsTask();
        var call = Call(Now, new TokenUsage(1200, 1000, 0, 300, 120), 0.0101m, "gpt-5.1-codex") with { Account = "main", LatencyMs = 2345.5 };
        for (var i = 0; i < 200 && !next.IsCompleted; i++)
        {
            // The stream may open after the first call is stored; each call is new, so send until one arrives.
            gateway.Writer.Enqueue(call with { Id = Guid.NewGuid() });
            await Task.WhenAny(next, Task.Delay(50, Ct));
        }

        Assert.True(await next);
        Assert.Equal(RequestRow.From(call) with { Id = live.Current.Id }, live.Current);
    }

    [Fact]
    public async Task ApiSource_LimitsJson_ReadBackIntoTheReport()
    {
        var time = new FakeTimeProvider(Now);
        await using var gateway = await TestGateway.StartAsync(settings: s => s with { Time = time });
        var snapshot = new RateLimitSnapshot
        {
            Time = Now.AddMinutes(-1),
            PlanType = "pro",
            Windows = [new RateLimitWindow("codex", "primary", 25, 300, Now.AddHours(3))],
        };
        await gateway.Store.AppendAsync([Call(Now.AddMinutes(-1), new TokenUsage(1, 0, 0, 1, 0), null, "gpt-5") with { RateLimits = snapshot }], Ct);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl + "/") };

        var viaApi = await new ApiDataSource(http, time).LimitsAsync(Ct);
        var inProcess = await GatewayDataSource.From(gateway.Services, "in process").LimitsAsync(Ct);

        var expected = Assert.Single(inProcess.Sources);
        var actual = Assert.Single(viaApi.Sources);
        Assert.Equal((expected.Source, expected.Home, expected.PlanType, expected.ObservedAt), (actual.Source, actual.Home, actual.PlanType, actual.ObservedAt));
        Assert.Equal(expected.Windows, actual.Windows);
        Assert.Equal(WindowKind.FiveHour, actual.Windows[0].Kind);
    }

    [Fact]
    public async Task ApiSource_GatewayGone_StatusBarSaysSoAndTheUiKeepsRunning()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Proxy.FaultTests.ClosedPort()}/") };
        var state = new TuiState(new ApiDataSource(http, new FakeTimeProvider(Now)), new FakeAccountEditor(), new FakeTimeProvider(Now), TimeZoneInfo.Utc, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        Assert.False(await ApiDataSource.ProbeAsync(http, Ct));
        await state.LoadAsync(Ct);

        Assert.StartsWith("Cannot read the data (Connection refused", state.Status, StringComparison.Ordinal);
        Assert.Empty(state.Usage.Requests);
        Assert.Equal("Loading…", Assert.Single(state.Limits.WindowLines()));
    }

    private static UsageRecord Call(DateTimeOffset at, TokenUsage? usage, decimal? cost, string model, CallOutcome outcome = CallOutcome.Success, int status = 200) => new()
    {
        Id = Guid.CreateVersion7(at),
        Time = at,
        Source = "gateway",
        Service = "openai",
        Endpoint = "/v1/responses",
        Status = status,
        Outcome = outcome,
        Model = model,
        LatencyMs = 120,
        UsageState = usage is null ? UsageState.Unknown : UsageState.Reported,
        Usage = usage,
        CostUsd = cost,
    };
}
