using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.Pricing;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Core.Tests.Storage;

/// <summary>The SQLite store, the batched writer and the daily report, on real database files.</summary>
public sealed class StoreAndWriterTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-store-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    private static UsageRecord Record(DateTimeOffset time, string? model, TokenUsage? usage, decimal? cost = null, UsageState? state = null) => new()
    {
        Id = Guid.CreateVersion7(time),
        Time = time,
        Source = "gateway",
        Service = "openai",
        Endpoint = "/v1/responses",
        Status = 200,
        Model = model,
        Usage = usage,
        UsageState = state ?? (usage is null ? UsageState.Unknown : UsageState.Reported),
        CostUsd = cost,
    };

    private async Task<SqliteUsageStore> StoreAsync()
    {
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "t.db"));
        await store.MigrateAsync(Ct);
        await store.MigrateAsync(Ct); // idempotent
        return store;
    }

    [Fact]
    public async Task SessionReport_Range_HoldsTheSessionsLastActiveInIt_WithAllTheirParts()
    {
        var store = await StoreAsync();
        var day = new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
        UsageRecord Call(string session, int hours, string model = "gpt-5.2", string source = "gateway") =>
            Record(day.AddHours(hours), model, new TokenUsage(100, 0, 0, 10, 0), 0.01m) with { SessionId = session, Source = source };
        await store.AppendAsync(
        [
            Call("before", -30), Call("before", -25),                                       // over before the range
            Call("spans", -20), Call("spans", 5, "o4-mini"),                               // begun before, last active inside
            Call("inside", 2), Call("inside", 3, source: "codex-log"),                   // both sources
            Call("after", 10), Call("after", 30),                                        // last active after the range
            Call("later", 40),
        ], Ct);
        var range = new ReportRange(new DateOnly(2026, 11, 10), new DateOnly(2026, 11, 10), TimeZoneInfo.Utc, null);

        var report = await SessionReport.BuildAsync(store, range, new Dictionary<string, CodexSession>(), Ct);
        var gatewayOnly = await SessionReport.BuildAsync(store, range with { Source = "gateway" }, new Dictionary<string, CodexSession>(), Ct);
        var open = await SessionReport.BuildAsync(store, new ReportRange(null, new DateOnly(2026, 11, 10), TimeZoneInfo.Utc, null), new Dictionary<string, CodexSession>(), Ct);

        Assert.Equal(["inside", "spans"], report.Sessions.Select(s => s.SessionId));
        var spans = report.Sessions[1];
        Assert.Equal(2, spans.Totals.Requests); // the part before the range belongs to the session too
        Assert.Equal(["gpt-5.2", "o4-mini"], spans.Models.Keys);
        Assert.Equal((day.AddHours(-20), day.AddHours(5)), (spans.FirstActivity, spans.LastActivity));
        Assert.Equal(2, report.Sessions[0].Totals.Requests);
        Assert.Equal(4, report.Totals.Requests);
        Assert.Equal([1, 2], gatewayOnly.Sessions.Select(s => s.Totals.Requests));
        Assert.Equal(["before", "inside", "spans"], open.Sessions.Select(s => s.SessionId));
    }

    [Fact]
    public async Task SessionReport_OrdersByLastActivityThenId_AndAddsUpEveryModelOfEverySource()
    {
        var store = await StoreAsync();
        var day = new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
        UsageRecord Call(string session, int minutes, string model, int input, string source = "gateway", decimal cost = 0.01m) =>
            Record(day.AddMinutes(minutes), model, new TokenUsage(input, 0, 0, 1, 0), cost) with { SessionId = session, Source = source };
        await store.AppendAsync(
        [
            // Sessions last active at the same instant (enough of them for the sort to partition), stored in another order than their ids'.
            .. Enumerable.Range(0, 40).Select(i => Call($"tie-{39 - i:D2}", 10, "gpt-5.2", 1, cost: 0.0125m)),
            // Each source with its own models, in different name order; one model in both.
            Call("mixed", 1, "o4-mini", 10), Call("mixed", 2, "gpt-5.2", 20),
            Call("mixed", 3, "o4-mini", 40, "codex-log"), Call("mixed", 4, "gpt-5.1-codex", 80, "codex-log"),
            // Sessions after it with fewer and other models, so that names are not where the last row had them.
            Call("only-mini", 5, "o4-mini", 100), Call("other", 6, "claude-sonnet-4-5", 200), Call("other", 7, "gpt-5.1-codex", 400),
        ], Ct);
        var range = new ReportRange(null, null, TimeZoneInfo.Utc, null);

        var ascending = await SessionReport.BuildAsync(store, range, new Dictionary<string, CodexSession>(), Ct);
        var descending = await SessionReport.BuildAsync(store, range with { Descending = true }, new Dictionary<string, CodexSession>(), Ct);

        string[] ties = [.. Enumerable.Range(0, 40).Select(i => $"tie-{i:D2}")];
        Assert.Equal(["mixed", "only-mini", "other", .. ties], ascending.Sessions.Select(s => s.SessionId));
        Assert.Equal([.. Enumerable.Reverse(ties), "other", "only-mini", "mixed"], descending.Sessions.Select(s => s.SessionId));
        var mixed = ascending.Sessions[0];
        Assert.Equal(
            [("gpt-5.1-codex", 1L, 80L), ("gpt-5.2", 1, 20), ("o4-mini", 2, 50)],
            mixed.Models.Select(m => (m.Key, m.Value.Requests, m.Value.Tokens.InputTokens)));
        Assert.Equal((4, 150), (mixed.Totals.Requests, mixed.Totals.Tokens.InputTokens));
        Assert.Equal([("claude-sonnet-4-5", 200L), ("gpt-5.1-codex", 400L)], ascending.Sessions[2].Models.Select(m => (m.Key, m.Value.Tokens.InputTokens)));
        Assert.Equal([("o4-mini", 100L)], ascending.Sessions[1].Models.Select(m => (m.Key, m.Value.Tokens.InputTokens)));
        Assert.All(ascending.Sessions.Skip(3), s => Assert.Equal((1, 1), (s.Totals.Requests, s.Totals.Tokens.InputTokens)));
        Assert.Equal((47, 890, 0.57m), (ascending.Totals.Requests, ascending.Totals.Tokens.InputTokens, ascending.Totals.CostUsd));
        Assert.Equal("0.5700", ascending.Totals.CostUsd.ToString(System.Globalization.CultureInfo.InvariantCulture)); // the rows' decimal places, as the period reports' totals have them
    }

    /// <summary>
    /// A store whose session rows fill many of the batches the reading thread hands to the adding
    /// one: 4,000 sessions, each seen by both sources with a model of its own per source.
    /// </summary>
    private async Task<SqliteUsageStore> ManySessionsAsync()
    {
        var store = await StoreAsync();
        var day = new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
        var calls = Enumerable.Range(0, 4_000).SelectMany(i => new[]
        {
            Record(day.AddSeconds(i), "gpt-5.2", new TokenUsage(i, 0, 0, 1, 0), 0.01m) with { SessionId = $"s{i:D4}" },
            Record(day.AddSeconds(i + 1), "o4-mini", new TokenUsage(2 * i, 0, 0, 1, 0), 0.01m) with { SessionId = $"s{i:D4}", Source = "codex-log" },
        });
        await store.AppendAsync(calls.ToList(), Ct);
        return store;
    }

    [Fact]
    public async Task SessionRead_OfThousandsOfSessions_AddsUpEachOnce_WhereverItsRowsFallInTheBatches()
    {
        var store = await ManySessionsAsync();

        var sessions = await store.ReadSessionsAsync(null, null, null, Ct);

        Assert.Equal(4_000, sessions.Count);
        for (var i = 0; i < sessions.Count; i++)
        {
            var s = sessions[i];
            Assert.Equal($"s{i:D4}", s.SessionId);
            Assert.Equal(["o4-mini", "gpt-5.2"], s.Models); // the codex-log row comes first in the table
            Assert.Equal(
                [1, 2L * i, 0, 0, 1, 0, 10_000_000_000, 0, 0, 1, i, 0, 0, 1, 0, 10_000_000_000, 0, 0],
                s.Sums.ToArray());
        }
    }

    [Fact]
    public async Task SessionRead_OfACorruptRowEarlyInALargeStore_FailsWithItsError_InsteadOfWaitingForever()
    {
        var store = await ManySessionsAsync();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.FullName, "t.db")}"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE session_totals SET parts = x'000000' WHERE session_id = 's0001'";
            await command.ExecuteNonQueryAsync(Ct);
        }

        // On a thread of its own: the read steps SQLite on the caller's thread, so a hang would not reach the timeout otherwise.
        var read = Task.Run(() => store.ReadSessionsAsync(null, null, null, Ct), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => read);
        Assert.Contains("cut short", error.Message);
    }

    [Fact]
    public async Task SessionRead_CancelledAtAnyPoint_EndsCancelledOrWhole_NeverHangsOrFailsOtherwise()
    {
        var store = await ManySessionsAsync();

        for (var afterMs = 0; afterMs <= 12; afterMs += 2)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cancel.CancelAfter(afterMs);
            var read = Task.Run(() => store.ReadSessionsAsync(null, null, null, cancel.Token), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            try
            {
                Assert.Equal(4_000, (await read).Count);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // cancelled before the end: the other outcome allowed
            }
        }
    }

    [Fact]
    public async Task AppendAndRead_RoundTripsEveryFieldAndExactCost()
    {
        var store = await StoreAsync();
        var time = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

        // Costs are kept to the pico-dollar, which every real per-token cost fits.
        var record = Record(time, "gpt-5", new TokenUsage(10, 4, 2, 5, 1, 1), cost: 0.000123456789m) with
        {
            SessionId = "s1",
            ServiceTier = "priority",
            ReasoningEffort = "high",
            Outcome = CallOutcome.StreamCut,
            ErrorType = "server_error",
            TimeToFirstByteMs = 1.5,
            Transport = "websocket",
            RateLimits = new RateLimitSnapshot { Time = time, PlanType = "plus", Windows = [new RateLimitWindow("codex", "primary", 5, 300, time)] },
        };

        await store.AppendAsync([record], Ct);
        var read = Assert.Single(await ReadAllAsync(store));

        Assert.Equal(record with { RateLimits = null }, read with { RateLimits = null });
    }

    [Fact]
    public async Task Writer_MoreRecordsThanChannelCapacity_SpillsAndLosesNone()
    {
        var store = await StoreAsync();
        var live = new LiveFeed(10);
        var writer = new UsageWriter(store, PriceTable.Create(null), live, null, NullLogger<UsageWriter>.Instance, capacity: 4);
        var time = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

        // Not started yet: everything beyond the channel's 4 slots must spill, not block or drop.
        for (var i = 0; i < 100; i++)
        {
            writer.Enqueue(Record(time.AddSeconds(i), "gpt-5", new TokenUsage(1_000_000, 0, 0, 0, 0)));
        }

        Assert.Equal(96, writer.Spilled);
        writer.Start();
        await writer.StopAsync(Ct);

        var stored = await ReadAllAsync(store);
        Assert.Equal(100, stored.Count);
        Assert.All(stored, r => Assert.Equal(1.25m, r.CostUsd)); // priced by the writer
        Assert.Equal(10, live.Snapshot().Count);
        Assert.Equal(100, live.TotalSeen);
    }

    [Fact]
    public async Task Writer_WithWholeBatchesWaiting_WritesThemWithoutLingering()
    {
        // Its clock never moves, so a linger would never end: three whole batches must be written regardless.
        var store = await StoreAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var writer = new UsageWriter(store, PriceTable.Create(null), new LiveFeed(), null, NullLogger<UsageWriter>.Instance, linger: TimeSpan.FromMinutes(1), time: clock);
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.Persisted += _ =>
        {
            if (writer.Written == 3 * 512)
            {
                written.TrySetResult();
            }
        };
        for (var i = 0; i < 3 * 512; i++)
        {
            writer.Enqueue(Record(clock.GetUtcNow().AddSeconds(i), "gpt-5", new TokenUsage(10, 0, 0, 1, 0)));
        }

        writer.Start();
        await written.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await writer.StopAsync(Ct);

        Assert.Equal(3 * 512, (await ReadAllAsync(store)).Count);
    }

    [Fact]
    public async Task Writer_StoreFailsTwice_RetriesAndKeepsRecords()
    {
        var inner = await StoreAsync();
        var flaky = new FlakyStore(inner, failures: 2);
        var writer = new UsageWriter(flaky, PriceTable.Create(null), new LiveFeed(), null, NullLogger<UsageWriter>.Instance);
        writer.Start();
        writer.Enqueue(Record(DateTimeOffset.UnixEpoch.AddDays(20000), "gpt-5", new TokenUsage(1, 0, 0, 1, 0)));
        await writer.StopAsync(Ct);

        Assert.Single(await ReadAllAsync(inner));
        Assert.Equal(3, flaky.Attempts);
    }

    [Fact]
    public async Task DailyReport_BucketsByLocalDateAndKeepsUnpricedAndUnknownApart()
    {
        var store = await StoreAsync();
        var late = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero); // 00:30 on the 24th in Berlin
        await store.AppendAsync(
        [
            Record(late, "gpt-5", new TokenUsage(100, 20, 0, 10, 5), cost: 0.5m),
            Record(late.AddHours(-12), "gpt-5", new TokenUsage(50, 0, 0, 5, 0), cost: 0.25m),
            Record(late.AddHours(-11), "gpt-6.1-sol", new TokenUsage(1000, 0, 0, 100, 0), cost: null),
            Record(late.AddHours(-10), null, null),
        ], Ct);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var report = await PeriodReport.BuildAsync(store, new ReportRange(null, null, berlin, null), ReportPeriod.Daily, Ct);

        Assert.Equal([new DateOnly(2026, 11, 23), new DateOnly(2026, 11, 24)], report.Rows.Select(d => d.Start));
        var first = report.Rows[0];
        Assert.Equal(3, first.Totals.Requests);
        Assert.Equal(0.25m, first.Totals.CostUsd);
        Assert.Equal(1, first.Totals.UnpricedRequests);
        Assert.Equal(1, first.Totals.UnknownUsageRequests);
        Assert.Equal(1050, first.Totals.Tokens.InputTokens);
        Assert.Equal(["(unknown)", "gpt-5", "gpt-6.1-sol"], first.Models.Keys);
        Assert.Equal(0.75m, report.Totals.CostUsd);

        var onlyTheFirst = await PeriodReport.BuildAsync(store, new ReportRange(new DateOnly(2026, 11, 23), new DateOnly(2026, 11, 23), berlin, null), ReportPeriod.Daily, Ct);
        Assert.Equal(3, onlyTheFirst.Totals.Requests);
        var summary = await store.ReadDailySummaryAsync(Ct);
        Assert.Equal(4, summary.Sum(s => s.Requests));
        Assert.Equal(750_000_000_000, summary.Sum(s => s.CostPicoUsd));
    }

    private static async Task<List<UsageRecord>> ReadAllAsync(IUsageStore store)
    {
        var list = new List<UsageRecord>();
        await foreach (var r in store.ReadAsync(new UsageQuery(), CancellationToken.None))
        {
            list.Add(r);
        }

        return list;
    }

    private sealed class FlakyStore(IUsageStore inner, int failures) : IUsageStore
    {
        public int Attempts { get; private set; }

        public Task MigrateAsync(CancellationToken cancellationToken) => inner.MigrateAsync(cancellationToken);

        public Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken) =>
            ++Attempts <= failures ? throw new IOException("disk busy") : inner.AppendAsync(records, cancellationToken);

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken) => inner.ReadAsync(query, cancellationToken);

        public Task<IReadOnlyList<DaySummary>> ReadDaysAsync(DateTimeOffset? from, DateTimeOffset? until, string? source, TimeZoneInfo zone, CancellationToken cancellationToken) =>
            inner.ReadDaysAsync(from, until, source, zone, cancellationToken);

        public Task<IReadOnlyList<SessionUsage>> ReadSessionsAsync(DateTimeOffset? from, DateTimeOffset? until, string? source, CancellationToken cancellationToken) =>
            inner.ReadSessionsAsync(from, until, source, cancellationToken);

        public Task<IReadOnlyList<RollupRow>> ReadRollupAsync(DateTimeOffset? from, DateTimeOffset? until, string? source, CancellationToken cancellationToken) =>
            inner.ReadRollupAsync(from, until, source, cancellationToken);

        public Task<IReadOnlyList<DaySummary>> ReadLocalPeriodsAsync(
            TimeZoneInfo zone, DateTimeOffset? from, DateTimeOffset? until, string? source, Func<DateOnly, DateOnly> start, Func<DateOnly, DateOnly> next, CancellationToken cancellationToken) =>
            inner.ReadLocalPeriodsAsync(zone, from, until, source, start, next, cancellationToken);

        public Task<(DateTimeOffset First, DateTimeOffset Last)?> ReadRecordHoursAsync(string? source, CancellationToken cancellationToken) =>
            inner.ReadRecordHoursAsync(source, cancellationToken);
    }
}
