using BenchmarkDotNet.Attributes;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Bench;

/// <summary>
/// Report queries on a store of one million records (a year of heavy use: gateway and Codex-log
/// records, six models, 40,000 sessions), target under 50 ms each. Reports in the machine's own
/// zone read whole local days (run with <c>TZ=Europe/Berlin</c> to give it DST); another zone
/// is read as rollup ranges per period (whole UTC days and months, plus or minus hours and slots at each end).
/// </summary>
[MemoryDiagnoser]
public class ReportBenchmarks
{
    private const int Records = 1_000_000;
    private static readonly string[] Models = ["gpt-5.1-codex", "gpt-5.2", "gpt-5-codex", "gpt-5.1-codex-mini", "claude-sonnet-4-5", "o4-mini"];
    private readonly TimeZoneInfo _local = TimeZoneInfo.Local;
    private readonly TimeZoneInfo _other = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
    private readonly TimeZoneInfo _far = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");
    private SqliteUsageStore _store = null!;

    /// <summary>
    /// Where the store is kept between benchmark processes (BenchmarkDotNet runs each benchmark in
    /// its own, and writing a million records takes minutes); bump the name when the data changes.
    /// </summary>
    private static readonly string Kept = Path.Combine(Path.GetTempPath(), "tollgate-bench-reports-v1");

    [GlobalSetup]
    public async Task Setup()
    {
        _store = new SqliteUsageStore(Path.Combine(Kept, "reports.db"));
        if (File.Exists(Path.Combine(Kept, "complete")))
        {
            await _store.MigrateAsync(CancellationToken.None); // a newer schema upgrades the kept store
            return;
        }

        if (Directory.Exists(Kept))
        {
            Directory.Delete(Kept, recursive: true);
        }

        Directory.CreateDirectory(Kept);
        await _store.MigrateAsync(CancellationToken.None);
        var start = new DateTimeOffset(2025, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(1);
        var batch = new List<UsageRecord>(10_000);
        for (var i = 0; i < Records; i++)
        {
            var source = i % 3 == 0 ? "gateway" : "codex-log";
            batch.Add(new UsageRecord
            {
                Id = Guid.NewGuid(),
                Time = start.AddSeconds(i * (365.0 * 86400 / Records)),
                Source = source,
                Service = "openai",
                Endpoint = "/v1/responses",
                Status = 200,
                Model = Models[random.Next(Models.Length)],
                UsageState = UsageState.Reported,
                Usage = new TokenUsage(random.Next(1_000, 60_000), random.Next(0, 1_000), 0, random.Next(20, 3_000), random.Next(0, 500)),
                CostUsd = 0.00123m,
                SessionId = $"{source}-{i / 50}", // each run of 50 calls: one gateway and one log session
                Outcome = CallOutcome.Success,
            });
            if (batch.Count == batch.Capacity)
            {
                await _store.AppendAsync(batch, CancellationToken.None);
                batch.Clear();
            }
        }

        await _store.AppendAsync(batch, CancellationToken.None);
        await DailyAllTime(); // the first report in the local zone builds its whole days
        await File.WriteAllTextAsync(Path.Combine(Kept, "complete"), "");
    }

    [GlobalCleanup]
    public void Cleanup() => Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // the store stays for the next process (delete the folder when done)

    [Benchmark]
    public Task<PeriodReport> DailyAllTime() =>
        PeriodReport.BuildAsync(_store, new ReportRange(null, null, _local, null), ReportPeriod.Daily, CancellationToken.None);

    [Benchmark]
    public Task<PeriodReport> MonthlyAllTime() =>
        PeriodReport.BuildAsync(_store, new ReportRange(null, null, _local, null), ReportPeriod.Monthly, CancellationToken.None);

    [Benchmark]
    public Task<PeriodReport> DailyLast30DaysOneSource() =>
        PeriodReport.BuildAsync(_store, new ReportRange(new DateOnly(2026, 10, 24), new DateOnly(2026, 11, 22), _local, "codex-log"), ReportPeriod.Daily, CancellationToken.None);

    [Benchmark]
    public Task<PeriodReport> DailyLast30DaysOtherZone() =>
        PeriodReport.BuildAsync(_store, new ReportRange(new DateOnly(2026, 10, 24), new DateOnly(2026, 11, 22), _other, null), ReportPeriod.Daily, CancellationToken.None);

    [Benchmark]
    public Task<PeriodReport> MonthlyAllTimeOtherZone() =>
        PeriodReport.BuildAsync(_store, new ReportRange(null, null, _other, null), ReportPeriod.Monthly, CancellationToken.None);

    [Benchmark]
    public Task<PeriodReport> WeeklyAllTimeOtherZone() =>
        PeriodReport.BuildAsync(_store, new ReportRange(null, null, _other, null), ReportPeriod.Weekly, CancellationToken.None);

    [Benchmark]
    public Task<PeriodReport> DailyAllTimeOtherZone() =>
        PeriodReport.BuildAsync(_store, new ReportRange(null, null, _other, null), ReportPeriod.Daily, CancellationToken.None);

    /// <summary>The zone whose days are furthest from UTC's (+13 h in its summer): the most hours to add and take at each end of a day.</summary>
    [Benchmark]
    public Task<PeriodReport> DailyAllTimeFarZone() =>
        PeriodReport.BuildAsync(_store, new ReportRange(null, null, _far, null), ReportPeriod.Daily, CancellationToken.None);

    [Benchmark]
    public Task<SessionReport> SessionsLast30Days() =>
        SessionReport.BuildAsync(_store, new ReportRange(new DateOnly(2026, 10, 24), new DateOnly(2026, 11, 22), _local, null), new Dictionary<string, CodexSession>(), CancellationToken.None);

    [Benchmark]
    public Task<IReadOnlyList<SessionUsage>> SessionPartsAllTime() => _store.ReadSessionsAsync(null, null, null, CancellationToken.None);

    [Benchmark]
    public Task<SessionReport> SessionsAllTime() =>
        SessionReport.BuildAsync(_store, new ReportRange(null, null, _local, null), new Dictionary<string, CodexSession>(), CancellationToken.None);
}
