using Microsoft.Data.Sqlite;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Testing;

namespace Tollgate.Core.Tests.Storage;

/// <summary>
/// Periods in any zone are read as whole UTC days and months plus or minus hours, slots and
/// records at their ends; each answer must equal the generated records summed directly.
/// </summary>
public sealed class PeriodReadTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-periods-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private async Task<(SqliteUsageStore Store, List<UsageRecord> Records)> StoreAsync()
    {
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "usage.db"));
        await store.MigrateAsync(Ct);
        // 120 days up to late November 2026: Europe's and New Zealand's DST changes and several month ends inside.
        var records = new UsageRecordGenerator { Count = 3000, Days = 120 }.Generate().ToList();
        await store.AppendAsync(records, Ct);
        return (store, records);
    }

    public static TheoryData<string, string> Zones => new()
    {
        { "Europe/Berlin", "daily" },
        { "Asia/Kolkata", "daily" }, // +5:30: local midnights inside UTC hours
        { "Asia/Kathmandu", "weekly" }, // +5:45
        { "Australia/Lord_Howe", "daily" }, // a DST change of half an hour
        { "Pacific/Auckland", "monthly" }, // +13 in its summer: the longest ends
        { "America/St_Johns", "weekly" }, // -3:30, with DST
        { "Pacific/Kiritimati", "monthly" }, // +14
        { "America/Santiago", "daily" }, // DST changes at local midnight
    };

    [Theory]
    [MemberData(nameof(Zones))]
    public async Task EveryPeriod_EqualsItsRecordsSummed(string zoneId, string period)
    {
        var (store, records) = await StoreAsync();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var first = records.Min(r => r.Time).AddDays(-2);
        var last = records.Max(r => r.Time).AddDays(2);
        var spans = PeriodSpan.Of(zone, first, last, day => Start(day, period), start => Next(start, period));

        var rows = await store.ReadPeriodsAsync(spans, null, Ct);

        AssertEqual(Expected(records, spans, null), rows);
        Assert.True(rows.Select(r => r.Day).Distinct().Count() > 2, "the data must span several periods");
    }

    [Fact]
    public async Task PeriodsWithEndsInsideSlots_AndOneSource_EqualTheirRecordsSummed()
    {
        // Ends at odd milliseconds read the records between them and the nearest slot.
        var (store, records) = await StoreAsync();
        var random = new Random(3);
        var from = records.Min(r => r.Time);
        var spans = new List<PeriodSpan>();
        for (var i = 0; i < 60; i++)
        {
            var length = TimeSpan.FromMilliseconds(random.NextInt64(1, (long)TimeSpan.FromDays(9).TotalMilliseconds));
            var until = i % 7 == 0 ? from.AddMinutes(3) : from + length; // some shorter than a slot
            spans.Add(new PeriodSpan(DateOnly.FromDateTime(from.UtcDateTime).AddDays(i * 1000), from, until));
            from = until.AddMilliseconds(random.Next(-100_000_000, 100_000_000)); // gaps and overlaps
        }

        foreach (var source in new[] { "codex-log", "gateway" })
        {
            AssertEqual(Expected(records, spans, source), await store.ReadPeriodsAsync(spans, source, Ct));
        }
    }

    [Fact]
    public async Task AnEmptyStoreOrNoPeriods_GiveNoRows()
    {
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "empty.db"));
        await store.MigrateAsync(Ct);
        var now = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

        Assert.Empty(await store.ReadPeriodsAsync([], null, Ct));
        Assert.Empty(await store.ReadPeriodsAsync([new PeriodSpan(new DateOnly(2026, 11, 23), now, now.AddDays(1))], null, Ct));
        Assert.Empty(await store.ReadPeriodsAsync([new PeriodSpan(new DateOnly(2026, 11, 23), now, now)], null, Ct));
    }

    private static DateOnly Start(DateOnly day, string period) => period switch
    {
        "weekly" => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        "monthly" => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    private static DateOnly Next(DateOnly start, string period) => period switch
    {
        "weekly" => start.AddDays(7),
        "monthly" => start.AddMonths(1),
        _ => start.AddDays(1),
    };

    /// <summary>The records of each span, summed per model, the slow and obvious way.</summary>
    private static Dictionary<(DateOnly, string), (long Requests, TokenUsage Tokens, decimal Cost, long Unpriced, long Unknown)> Expected(
        List<UsageRecord> records, List<PeriodSpan> spans, string? source)
    {
        var expected = new Dictionary<(DateOnly, string), (long, TokenUsage, decimal, long, long)>();
        foreach (var span in spans)
        {
            foreach (var r in records.Where(r => r.Time >= span.From && r.Time < span.Until && (source is null || r.Source == source)))
            {
                var key = (span.Key, r.Model ?? "");
                var (requests, tokens, cost, unpriced, unknown) = expected.GetValueOrDefault(key);
                expected[key] = (
                    requests + 1,
                    tokens + (r.Usage ?? default),
                    cost + (r.CostUsd ?? 0m),
                    unpriced + (r.Usage is not null && r.CostUsd is null ? 1 : 0),
                    unknown + (r.UsageState == UsageState.Unknown ? 1 : 0));
            }
        }

        return expected;
    }

    private static void AssertEqual(
        Dictionary<(DateOnly, string), (long Requests, TokenUsage Tokens, decimal Cost, long Unpriced, long Unknown)> expected, IReadOnlyList<DaySummary> rows)
    {
        Assert.Equal(expected.Keys.Order(), rows.Select(r => (r.Day, r.Model)).Order());
        foreach (var row in rows)
        {
            var t = row.Totals;
            Assert.Equal(expected[(row.Day, row.Model)], (t.Requests, t.Tokens, t.CostUsd, t.UnpricedRequests, t.UnknownUsageRequests));
        }
    }
}
