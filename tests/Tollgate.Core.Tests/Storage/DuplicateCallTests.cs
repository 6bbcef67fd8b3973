using Microsoft.Data.Sqlite;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Tests.Storage;

/// <summary>A call that both the gateway and a Codex log saw is counted once, whichever is stored first.</summary>
public sealed class DuplicateCallTests : IDisposable
{
    private const string Session = "01a20846-0000-7000-8000-0000000000aa";
    private static readonly DateTimeOffset T = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly TokenUsage Usage = new(5000, 4000, 0, 300, 120);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-dup-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private async Task<SqliteUsageStore> StoreAsync()
    {
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "tollgate.db"));
        await store.MigrateAsync(Ct);
        return store;
    }

    private static UsageRecord Call(string source, DateTimeOffset time, TokenUsage usage, string? session = Session) => new()
    {
        Id = Guid.NewGuid(),
        Time = time,
        Source = source,
        Service = "openai",
        Endpoint = "/v1/responses",
        Model = "gpt-5.1-codex",
        UsageState = UsageState.Reported,
        Usage = usage,
        CostUsd = 0.01m,
        SessionId = session,
        Outcome = CallOutcome.Success,
        SourceFile = source == "codex-log" ? "/codex/rollout.jsonl" : null,
    };

    private static async Task<List<UsageRecord>> AllAsync(SqliteUsageStore store)
    {
        var all = new List<UsageRecord>();
        await foreach (var r in store.ReadAsync(new UsageQuery(IncludeDuplicates: true), Ct))
        {
            all.Add(r);
        }

        return all;
    }

    private static async Task AssertCountedOnceAsync(SqliteUsageStore store, Guid gatewayId)
    {
        var all = await AllAsync(store);
        Assert.Equal(2, all.Count);
        Assert.Equal(gatewayId, all.Single(r => r.Source == "codex-log").DuplicateOf);
        var counted = new List<UsageRecord>();
        await foreach (var r in store.ReadAsync(new UsageQuery(), Ct))
        {
            counted.Add(r);
        }

        Assert.Equal(gatewayId, Assert.Single(counted).Id);
        var day = Assert.Single(await store.ReadDaysAsync(null, null, null, TimeZoneInfo.Utc, Ct));
        Assert.Equal((1L, Usage, 0.01m), (day.Totals.Requests, day.Totals.Tokens, day.Totals.CostUsd));
        var session = Assert.Single(await store.ReadSessionsAsync(null, null, null, Ct));
        Assert.Equal((Session, 1L), (session.SessionId, session.Sums.Span[0]));
        Assert.Single(await store.ReadSessionsAsync(null, null, "gateway", Ct));
        Assert.Empty(await store.ReadSessionsAsync(null, null, "codex-log", Ct));
    }

    [Fact]
    public async Task GatewayFirst_TheLogRecordIsMarkedOnArrival()
    {
        var store = await StoreAsync();
        var gateway = Call("gateway", T, Usage);
        await store.AppendAsync([gateway], Ct);
        await store.AppendAsync([Call("codex-log", T.AddSeconds(40), Usage)], Ct);
        await AssertCountedOnceAsync(store, gateway.Id);
    }

    [Fact]
    public async Task LogFirst_TheGatewayRecordTakesItsPlaceInTheTotals()
    {
        var store = await StoreAsync();
        await store.AppendAsync([Call("codex-log", T.AddSeconds(40), Usage)], Ct);
        var gateway = Call("gateway", T, Usage);
        await store.AppendAsync([gateway], Ct);
        await AssertCountedOnceAsync(store, gateway.Id);
    }

    [Fact]
    public async Task DifferentTokens_OtherSession_FarApart_OrAlreadyMatched_AreNotDuplicates()
    {
        var store = await StoreAsync();
        var gateway = Call("gateway", T, Usage);
        await store.AppendAsync([gateway, Call("gateway", T.AddSeconds(1), Usage, session: null)], Ct);
        await store.AppendAsync(
        [
            Call("codex-log", T.AddSeconds(30), Usage),                               // the match
            Call("codex-log", T.AddSeconds(31), Usage),                               // same tokens again: the gateway record is taken
            Call("codex-log", T.AddSeconds(32), Usage with { OutputTokens = 301 }),   // other tokens
            Call("codex-log", T.AddHours(2), Usage),                                  // too far apart
            Call("codex-log", T.AddSeconds(33), Usage, session: "other"),             // other session
        ], Ct);

        var all = await AllAsync(store);
        Assert.Single(all, r => r.DuplicateOf == gateway.Id);
        Assert.Single(all, r => r.DuplicateOf is not null);
        var days = await store.ReadDaysAsync(null, null, null, TimeZoneInfo.Utc, Ct);
        Assert.Equal(6, days.Sum(d => d.Totals.Requests));
    }
}
