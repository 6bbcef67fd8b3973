using System.Globalization;
using System.Text.Json;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Queries;

namespace Tollgate.Tests.Api;

/// <summary>
/// The usage endpoints over a store of 2,000 generated records: every number is compared with
/// the records added up in the test, for every named range, an explicit range that cuts
/// through hours, and time zones with and without DST and with a half-hour offset.
/// </summary>
public sealed class UsageApiTests : IAsyncLifetime
{
    private ApiFixture _api = null!;

    public async ValueTask InitializeAsync() => _api = await ApiFixture.StartAsync();

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();

    public static TheoryData<string, string> RangesAndZones()
    {
        var data = new TheoryData<string, string>();
        foreach (var zone in new[] { "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata" })
        {
            foreach (var range in UsageRange.Names)
            {
                data.Add(range, zone);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RangesAndZones))]
    public async Task Summary_NamedRange_TotalsAndGroupsAreTheRecordsSum(string range, string tz)
    {
        var (from, until) = Bounds(range, tz);
        var json = await _api.GetJsonAsync($"/api/summary?range={range}&tz={tz}");

        Assert.Equal(from, Instant(json.GetProperty("range").GetProperty("start")));
        Assert.Equal(until, Instant(json.GetProperty("range").GetProperty("end")));
        var records = _api.Between(from, until).ToList();
        Assert.NotEmpty(records);
        Assert.Equal(Expected.Of(records), Expected.Read(json.GetProperty("totals")));
        AssertGroups(json.GetProperty("byModel"), records, r => r.Model);
        AssertGroups(json.GetProperty("bySource"), records, r => r.Source);
        AssertGroups(json.GetProperty("byAccount"), records, r => r.Account);
        AssertGroups(json.GetProperty("byEffort"), records, r => r.ReasoningEffort);
    }

    [Fact]
    public async Task Summary_ThisMonth_ComparesWithTheSameStretchOfLastMonthAndForecasts()
    {
        var json = await _api.GetJsonAsync("/api/summary?range=thismonth&tz=Europe/Berlin&source=gateway");

        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var monthStart = Midnight(new DateOnly(2026, 11, 1), zone);
        var elapsed = ApiFixture.Now - monthStart;
        var previousStart = Midnight(new DateOnly(2026, 10, 1), zone);
        var now = Expected.Of(_api.Between(monthStart, Midnight(new DateOnly(2026, 12, 1), zone), "gateway"));
        var before = Expected.Of(_api.Between(previousStart, previousStart + elapsed, "gateway"));
        Assert.Equal(before, Expected.Read(json.GetProperty("previous")));
        Assert.Equal(
            Math.Round((double)((now.Input + now.Output) - (before.Input + before.Output)) / (before.Input + before.Output), 4),
            json.GetProperty("change").GetProperty("totalTokens").GetDouble());
        var forecast = json.GetProperty("forecast");
        Assert.Equal(now.Cost, forecast.GetProperty("spentUsd").GetDecimal());
        var monthLength = Midnight(new DateOnly(2026, 12, 1), zone) - monthStart;
        Assert.Equal(decimal.Round(now.Cost * (decimal)(monthLength.TotalSeconds / elapsed.TotalSeconds), 6), forecast.GetProperty("forecastUsd").GetDecimal());
    }

    [Fact]
    public async Task Summary_ExplicitRangeCuttingThroughHours_IsExactToTheMillisecond()
    {
        var start = new DateTimeOffset(2026, 10, 3, 10, 17, 23, 500, TimeSpan.FromHours(2));
        var end = new DateTimeOffset(2026, 11, 20, 4, 59, 59, 999, TimeSpan.Zero);
        var json = await _api.GetJsonAsync($"/api/summary?start={Uri.EscapeDataString(start.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture))}&end={Uri.EscapeDataString(end.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture))}&source=codex-log");

        Assert.Equal(Expected.Of(_api.Between(start, end, "codex-log")), Expected.Read(json.GetProperty("totals")));
        Assert.Equal(Expected.Of(_api.Between(start - (end - start), start, "codex-log")), Expected.Read(json.GetProperty("previous")));

        // Within one hour: only records, no rollup.
        var inside = _api.Records.First(r => r.Time.Minute is > 5 and < 55);
        var (a, b) = (inside.Time.AddMinutes(-5), inside.Time.AddMinutes(5));
        var inner = await _api.GetJsonAsync($"/api/summary?start={a:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}&end={b:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");
        var expected = Expected.Of(_api.Between(a, b));
        Assert.True(expected.Requests > 0);
        Assert.Equal(expected, Expected.Read(inner.GetProperty("totals")));
    }

    [Theory]
    [InlineData("last30days", "day", "Europe/Berlin")]
    [InlineData("last30days", "day", "Asia/Kolkata")]
    [InlineData("yesterday", "hour", "America/New_York")]
    [InlineData("last7days", "hour", "Asia/Kolkata")]
    [InlineData("last12months", "week", "Europe/Berlin")]
    [InlineData("alltime", "month", "America/New_York")]
    [InlineData("lastmonth", "day", "Europe/Berlin")] // October 2026: 25 October has 25 hours in Berlin
    public async Task Timeseries_EveryBucketIsTheRecordsSumInItsLocalSpan(string range, string bucket, string tz)
    {
        var tokens = await _api.GetJsonAsync($"/api/timeseries?range={range}&bucket={bucket}&tz={tz}");
        var cost = await _api.GetJsonAsync($"/api/timeseries?range={range}&bucket={bucket}&tz={tz}&metric=cost&source=gateway");

        var zone = TimeZoneInfo.FindSystemTimeZoneById(tz);
        var points = tokens.GetProperty("points").EnumerateArray().ToList();
        Assert.NotEmpty(points);
        var starts = points.Select(p => Instant(p.GetProperty("start"))!.Value).ToList();
        var (from, until) = Bounds(range, tz);
        var end = until ?? ApiFixture.Now;
        for (var i = 0; i < starts.Count; i++)
        {
            // Buckets follow each other at local boundaries; the first holds only what is inside the range.
            var next = i + 1 < starts.Count ? starts[i + 1] : end;
            if (i + 1 < starts.Count)
            {
                Assert.Equal(NextBoundary(starts[i], bucket, zone), next);
            }

            var lower = i == 0 && from > starts[0] ? from.Value : starts[i];
            var expected = Expected.Of(_api.Between(lower, next));
            Assert.Equal(expected.Input + expected.Output, points[i].GetProperty("value").GetInt64());
            Assert.Equal(expected.Requests, points[i].GetProperty("requests").GetInt64());
            Assert.Equal(Expected.Of(_api.Between(lower, next, "gateway")).Cost, cost.GetProperty("points")[i].GetProperty("value").GetDecimal());
        }

        Assert.Equal(Expected.Of(_api.Between(from, end)).Requests, points.Sum(p => p.GetProperty("requests").GetInt64()));
    }

    [Theory]
    [InlineData("hour", "Europe/Berlin")]
    [InlineData("day", "Europe/Berlin")]
    [InlineData("day", "Asia/Kolkata")]
    public async Task Timeseries_ExplicitRangeCuttingThroughHours_EdgesLandInTheirLocalBuckets(string bucket, string tz)
    {
        var start = new DateTimeOffset(2026, 11, 18, 22, 41, 7, TimeSpan.Zero);
        var end = new DateTimeOffset(2026, 11, bucket == "hour" ? 19 : 21, 23, 13, 0, TimeSpan.Zero);
        var json = await _api.GetJsonAsync($"/api/timeseries?start={start:yyyy-MM-dd'T'HH:mm:ss'Z'}&end={end:yyyy-MM-dd'T'HH:mm:ss'Z'}&bucket={bucket}&tz={tz}");

        var zone = TimeZoneInfo.FindSystemTimeZoneById(tz);
        var points = json.GetProperty("points").EnumerateArray().ToList();
        var starts = points.Select(p => p.GetProperty("start").GetDateTimeOffset()).ToList();
        Assert.True(starts[0] <= start && NextBoundary(starts[0], bucket, zone) > start);
        for (var i = 0; i < starts.Count; i++)
        {
            var lower = i == 0 ? start : starts[i];
            var upper = i + 1 < starts.Count ? starts[i + 1] : end;
            var expected = Expected.Of(_api.Between(lower, upper));
            Assert.Equal(expected.Requests, points[i].GetProperty("requests").GetInt64());
            Assert.Equal(expected.Input + expected.Output, points[i].GetProperty("value").GetInt64());
        }
    }

    [Fact]
    public async Task Breakdowns_TokenTypesAddUpAndCostPartsAddUpToTheModelsCost()
    {
        var byModel = await _api.GetJsonAsync("/api/breakdown?range=last30days&tz=UTC");
        var tokens = await _api.GetJsonAsync("/api/breakdown/tokens?range=last30days&tz=UTC");
        var costs = await _api.GetJsonAsync("/api/breakdown/costs?range=last30days&tz=UTC");

        var (from, until) = Bounds("last30days", "UTC");
        var records = _api.Between(from, until).ToList();
        foreach (var model in byModel.GetProperty("models").EnumerateArray())
        {
            var name = model.GetProperty("model").GetString();
            var expected = Expected.Of(records.Where(r => (r.Model ?? UsageQueries.None) == name));
            Assert.Equal(expected, Expected.Read(model.GetProperty("figures")));

            var t = tokens.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == name);
            Assert.Equal(expected.Input - expected.Cached - expected.CacheWrite, t.GetProperty("input").GetInt64());
            Assert.Equal(expected.Output - expected.Reasoning, t.GetProperty("output").GetInt64());
            Assert.Equal(
                expected.Input + expected.Output,
                new[] { "input", "cachedInput", "cacheWrite", "output", "reasoning" }.Sum(p => t.GetProperty(p).GetInt64()));

            var c = costs.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == name);
            Assert.Equal(expected.Cost, c.GetProperty("totalUsd").GetDecimal());
            Assert.Equal(expected.Cost, new[] { "inputUsd", "cachedInputUsd", "cacheWriteUsd", "outputUsd" }.Sum(p => c.GetProperty(p).GetDecimal()));
            Assert.Equal(name is not ("my-private-model" or UsageQueries.None), c.GetProperty("priced").GetBoolean());
        }

        Assert.Equal(5, byModel.GetProperty("models").GetArrayLength());
    }

    [Fact]
    public async Task Events_NewestFirstPagedAndFiltered()
    {
        var first = await _api.GetJsonAsync("/api/events?limit=50");
        var second = await _api.GetJsonAsync("/api/events?limit=50&offset=50");
        var failed = await _api.GetJsonAsync("/api/events?range=last30days&tz=UTC&status=error&limit=1000");
        var work = await _api.GetJsonAsync("/api/events?account=work&model=gpt-5-mini&limit=1000");

        var newest = _api.Records.OrderByDescending(r => r.Time).ThenByDescending(r => r.Id.ToString("N"), StringComparer.Ordinal).ToList();
        Assert.Equal(newest.Take(100).Select(r => r.Id.ToString("N")), first.GetProperty("events").EnumerateArray().Concat(second.GetProperty("events").EnumerateArray()).Select(e => e.GetProperty("id").GetString()));
        var (from, until) = Bounds("last30days", "UTC");
        Assert.Equal(
            _api.Between(from, until).Count(r => r.Outcome != CallOutcome.Success),
            failed.GetProperty("events").GetArrayLength());
        Assert.All(failed.GetProperty("events").EnumerateArray(), e => Assert.Equal(429, e.GetProperty("status").GetInt32()));
        Assert.Equal(_api.Records.Count(r => r.Account == "work" && r.Model == "gpt-5-mini"), work.GetProperty("events").GetArrayLength());
        var e0 = first.GetProperty("events")[0];
        Assert.Equal(newest[0].Usage?.TotalTokens, e0.GetProperty("totalTokens").ValueKind == JsonValueKind.Null ? null : e0.GetProperty("totalTokens").GetInt64());
    }

    private static void AssertGroups(JsonElement groups, IReadOnlyList<UsageRecord> records, Func<UsageRecord, string?> key)
    {
        var expected = records.GroupBy(r => key(r) ?? UsageQueries.None).ToDictionary(g => g.Key, Expected.Of);
        var actual = groups.EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!, g => Expected.Read(g.GetProperty("figures")));
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    /// <summary>The bounds of a named range, worked out here from the calendar (not by the code under test).</summary>
    internal static (DateTimeOffset? From, DateTimeOffset? Until) Bounds(string range, string tz)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(tz);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(ApiFixture.Now, zone).DateTime);
        var month = new DateOnly(today.Year, today.Month, 1);
        return range switch
        {
            "today" => (Midnight(today, zone), Midnight(today.AddDays(1), zone)),
            "yesterday" => (Midnight(today.AddDays(-1), zone), Midnight(today, zone)),
            "last7days" => (Midnight(today.AddDays(-6), zone), Midnight(today.AddDays(1), zone)),
            "last30days" => (Midnight(today.AddDays(-29), zone), Midnight(today.AddDays(1), zone)),
            "thismonth" => (Midnight(month, zone), Midnight(month.AddMonths(1), zone)),
            "lastmonth" => (Midnight(month.AddMonths(-1), zone), Midnight(month, zone)),
            "last12months" => (Midnight(month.AddMonths(-11), zone), Midnight(month.AddMonths(1), zone)),
            _ => (null, null),
        };
    }

    private static DateTimeOffset Midnight(DateOnly day, TimeZoneInfo zone) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), zone), TimeSpan.Zero);

    private static DateTimeOffset NextBoundary(DateTimeOffset start, string bucket, TimeZoneInfo zone)
    {
        if (bucket == "hour")
        {
            return start.AddHours(1);
        }

        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, zone).DateTime);
        return Midnight(bucket switch { "day" => day.AddDays(1), "week" => day.AddDays(7), _ => day.AddMonths(1) }, zone);
    }

    private static DateTimeOffset? Instant(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetDateTimeOffset();
}
