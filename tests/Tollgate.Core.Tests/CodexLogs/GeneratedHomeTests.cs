using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Pricing;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Reports;
using Tollgate.Testing;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>
/// Whole generated Codex homes (every trap at once: re-emits, resumes, forks, sub-agents,
/// archived copies, malformed lines, numeric timestamps, midnight and DST) ingested into a real
/// store: every report must equal the generator's truth exactly.
/// </summary>
public sealed class GeneratedHomeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-genhome-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private async Task<(CodexIngester Ingester, SqliteUsageStore Store)> SetUpAsync()
    {
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "tollgate.db"));
        await store.MigrateAsync(Ct);
        return (new CodexIngester(store, PriceTable.Create(null), _time), store);
    }

    private static void AssertSame(TokenUsage expected, TokenUsage actual, string what)
    {
        Assert.True(
            (expected.InputTokens, expected.CachedInputTokens, expected.OutputTokens, expected.ReasoningTokens)
                == (actual.InputTokens, actual.CachedInputTokens, actual.OutputTokens, actual.ReasoningTokens),
            $"{what}: expected {expected}, got {actual}");
    }

    [Theory]
    [InlineData(7, "Europe/Berlin")]
    [InlineData(11, "Asia/Kolkata")]
    [InlineData(23, "America/New_York")]
    public async Task EveryReport_EqualsTheGeneratorsTruth(int seed, string zoneId)
    {
        var truth = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "codex"), new CodexHomeOptions { Seed = seed, NumericTimestamps = true });
        Assert.NotEmpty(truth.Children); // the seed must produce forks or sub-agents to be worth anything
        var (ingester, store) = await SetUpAsync();

        var report = await ingester.IngestAsync([truth.Path], Ct);

        Assert.Empty(report.Problems);
        Assert.Equal(truth.Calls.Count, report.CallsAdded);
        Assert.Equal(truth.MalformedLines, report.MalformedLines);
        Assert.Equal(truth.ArchivedCopies, report.DuplicateCopies);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var range = new ReportRange(null, null, zone, null);

        var daily = await PeriodReport.BuildAsync(store, range, ReportPeriod.Daily, Ct);
        var expectedDays = truth.ByDay(zone);
        Assert.Equal(expectedDays.Keys, daily.Rows.Select(r => r.Start));
        foreach (var row in daily.Rows)
        {
            AssertSame(expectedDays[row.Start], row.Totals.Tokens, row.Key);
        }

        var monthly = await PeriodReport.BuildAsync(store, range, ReportPeriod.Monthly, Ct);
        var expectedMonths = truth.ByMonth(zone);
        Assert.Equal(expectedMonths.Keys, monthly.Rows.Select(r => r.Key));
        foreach (var row in monthly.Rows)
        {
            AssertSame(expectedMonths[row.Key], row.Totals.Tokens, row.Key);
        }

        var weekly = await PeriodReport.BuildAsync(store, range with { Descending = true }, ReportPeriod.Weekly, Ct);
        var expectedWeeks = expectedDays.GroupBy(d => PeriodReport.PeriodStart(d.Key, ReportPeriod.Weekly, DayOfWeek.Monday))
            .ToDictionary(g => g.Key, g => g.Aggregate(default(TokenUsage), (a, d) => a + d.Value));
        Assert.Equal(expectedWeeks.Keys.OrderDescending(), weekly.Rows.Select(r => r.Start));
        Assert.All(weekly.Rows, r => Assert.Equal(DayOfWeek.Monday, r.Start.DayOfWeek));
        foreach (var row in weekly.Rows)
        {
            AssertSame(expectedWeeks[row.Start], row.Totals.Tokens, "week " + row.Key);
        }

        AssertSame(truth.Total, daily.Totals.Tokens, "total");
        var sessions = await SessionReport.BuildAsync(store, range, new Dictionary<string, CodexSession>(), Ct);
        var expectedThreads = truth.ByThread();
        Assert.Equal(expectedThreads.Keys.Order(StringComparer.Ordinal), sessions.Sessions.Select(s => s.SessionId).Order(StringComparer.Ordinal));
        foreach (var session in sessions.Sessions)
        {
            AssertSame(expectedThreads[session.SessionId], session.Totals.Tokens, session.SessionId);
        }

        // Per model: the latest turn_context's model names each call.
        var byModel = truth.Calls.GroupBy(c => c.Model).ToDictionary(g => g.Key, g => g.Aggregate(default(TokenUsage), (a, c) => a + c.Usage));
        var reportedModels = daily.Rows.SelectMany(r => r.Models).GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.Aggregate(default(TokenUsage), (a, m) => a + m.Value.Tokens));
        Assert.Equal(byModel.Keys.Order(), reportedModels.Keys.Order());
        foreach (var (model, usage) in byModel)
        {
            AssertSame(usage, reportedModels[model], model);
        }

        // Sessions, messages and the latest limits.
        var codexSessions = await store.ReadCodexSessionsAsync(null, Ct);
        Assert.Equal(expectedThreads.Count, codexSessions.Count(s => s.Calls > 0));
        Assert.All(codexSessions, s => Assert.Equal(258400, s.ContextWindow));
        Assert.Equal(truth.Messages.Count, await store.CountCodexMessagesAsync(null, DateTimeOffset.UnixEpoch, _time.GetUtcNow(), Ct));
        var limits = Assert.Single(await store.ReadLatestLimitsAsync(Ct));
        Assert.Equal(CodexHomes.Normalize(truth.Path), limits.Home);
        Assert.Equal(truth.LatestLimits.FiveHour, limits.Snapshot.Windows.Single(w => w.Kind == WindowKind.FiveHour).UsedPercent);
        Assert.Equal(truth.LatestLimits.Weekly, limits.Snapshot.Windows.Single(w => w.Kind == WindowKind.Weekly).UsedPercent);
    }

    [Theory]
    [InlineData("Asia/Kolkata", ReportPeriod.Monthly)]
    [InlineData("Asia/Kolkata", ReportPeriod.Weekly)]
    [InlineData("America/New_York", ReportPeriod.Monthly)]
    public async Task PeriodsInAnotherZone_BoundedRange_EqualItsDaysGrouped(string zoneId, ReportPeriod period)
    {
        // In a zone without whole local days, each week or month is read as one range, and so is each
        // day: the weeks and months must equal their days added up, per model too.
        var truth = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "codex"), new CodexHomeOptions { Seed = 5, NumericTimestamps = true });
        var (ingester, store) = await SetUpAsync();
        await ingester.IngestAsync([truth.Path], Ct);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var days = truth.ByDay(zone).Keys.Order().ToList();
        var range = new ReportRange(days[days.Count / 5], days[days.Count * 3 / 4], zone, null);

        var report = await PeriodReport.BuildAsync(store, range, period, Ct);
        var daily = await PeriodReport.BuildAsync(store, range, ReportPeriod.Daily, Ct);

        var expected = daily.Rows.GroupBy(r => PeriodReport.PeriodStart(r.Start, period, range.WeekStart)).ToList();
        Assert.True(expected.Count > 1, "the range must hold several periods");
        Assert.Equal(expected.Select(g => g.Key), report.Rows.Select(r => r.Start));
        foreach (var (group, row) in expected.Zip(report.Rows))
        {
            Assert.Equal(group.Sum(d => d.Totals.Requests), row.Totals.Requests);
            AssertSame(group.Aggregate(default(TokenUsage), (a, d) => a + d.Totals.Tokens), row.Totals.Tokens, row.Key);
            Assert.Equal(group.Sum(d => d.Totals.CostUsd), row.Totals.CostUsd);
            var models = group.SelectMany(d => d.Models).GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.Aggregate(default(TokenUsage), (a, m) => a + m.Value.Tokens));
            Assert.Equal(models.Keys.Order(), row.Models.Keys.Order());
            foreach (var (model, usage) in models)
            {
                AssertSame(usage, row.Models[model].Tokens, row.Key + " " + model);
            }
        }

        AssertSame(daily.Totals.Tokens, report.Totals.Tokens, "total");
    }

    [Fact]
    public async Task FilesCaughtMidWrite_AddUpToTheSameTruth()
    {
        // Codex appends while we read: ingest every file cut at a random byte, then whole.
        var full = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "full"), new CodexHomeOptions { Seed = 5, Threads = 25 });
        var home = Path.Combine(_dir.FullName, "codex");
        var random = new Random(5);
        var files = Directory.GetFiles(full.Path, "*.jsonl", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            var target = Path.Combine(home, Path.GetRelativePath(full.Path, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            await File.WriteAllBytesAsync(target, bytes[..random.Next(bytes.Length)], Ct);
        }

        var (ingester, store) = await SetUpAsync();
        await ingester.IngestAsync([home], Ct);

        // A report in the machine's own zone starts keeping whole local days; later writes must keep them exact.
        var local = new ReportRange(null, null, TimeZoneInfo.Local, null);
        await PeriodReport.BuildAsync(store, local, ReportPeriod.Daily, Ct);
        foreach (var file in files)
        {
            var target = Path.Combine(home, Path.GetRelativePath(full.Path, file));
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            await using var stream = new FileStream(target, FileMode.Append);
            await stream.WriteAsync(bytes.AsMemory((int)new FileInfo(target).Length), Ct);
        }

        var second = await ingester.IngestAsync([home], Ct);
        Assert.Empty(second.Problems);
        var daily = await PeriodReport.BuildAsync(store, new ReportRange(null, null, TimeZoneInfo.Utc, null), ReportPeriod.Daily, Ct);
        AssertSame(full.Total, daily.Totals.Tokens, "total after the rest was appended");
        Assert.Equal(full.Calls.Count, daily.Totals.Requests);
        var localDays = await PeriodReport.BuildAsync(store, local, ReportPeriod.Daily, Ct);
        var expected = full.ByDay(TimeZoneInfo.Local);
        Assert.Equal(expected.Keys, localDays.Rows.Select(r => r.Start));
        foreach (var row in localDays.Rows)
        {
            AssertSame(expected[row.Start], row.Totals.Tokens, "local " + row.Key);
        }
    }
}
