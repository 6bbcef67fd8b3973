using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Usage.Queries;

/// <summary>
/// Totals, breakdowns and time series over a <see cref="UsageRange"/>, read from the store's
/// rollups: what the JSON API returns and the dashboard and the terminal UI show.
/// </summary>
public sealed class UsageQueries(SqliteUsageStore store, PriceTable prices)
{
    /// <summary>Most points a time series returns; a finer bucket over a longer range is refused.</summary>
    public const int MaxPoints = 2000;

    /// <summary>Shown for a record without a model, account or reasoning effort.</summary>
    public const string None = "(none)";

    /// <summary>Totals of the range, of the period before it, and per model, source, account and reasoning effort.</summary>
    public async Task<UsageSummary> SummaryAsync(UsageRange range, string? source, CancellationToken cancellationToken)
    {
        var rows = await store.ReadRollupAsync(range.From, range.Until, source, cancellationToken);
        var totals = UsageFigures.Sum(rows.Select(r => r.Totals));
        UsageFigures? previous = null;
        if (range.Previous is { } p)
        {
            previous = UsageFigures.Sum((await store.ReadRollupAsync(p.From, p.Until, source, cancellationToken)).Select(r => r.Totals));
        }

        return new UsageSummary(
            totals,
            previous,
            previous is null ? null : UsageChange.Between(previous, totals),
            Group(rows, r => r.Model),
            Group(rows, r => r.Source),
            Group(rows, r => r.Account),
            Group(rows, r => r.Effort),
            range.Name == "thismonth" && range.From is { } f && range.Until is { } u ? Forecast(totals.CostUsd, f, u, range.Now) : null);
    }

    /// <summary>Totals per model, most expensive first.</summary>
    public async Task<IReadOnlyList<UsageGroup>> ByModelAsync(UsageRange range, string? source, CancellationToken cancellationToken) =>
        Group(await store.ReadRollupAsync(range.From, range.Until, source, cancellationToken), r => r.Model);

    /// <summary>
    /// Cost per model split by token type. The stored cost of each model is shared out in
    /// proportion to what each type costs at the model's current prices, so the parts always
    /// add up to the stored total (exact for a model with one price; a mix of service tiers or
    /// long-context calls is split at the standard rates).
    /// </summary>
    public async Task<IReadOnlyList<ModelCosts>> CostsByModelAsync(UsageRange range, string? source, CancellationToken cancellationToken)
    {
        var models = await ByModelAsync(range, source, cancellationToken);
        return models.Select(m =>
        {
            var f = m.Figures;
            if (!prices.TryResolve(m.Key == None ? null : m.Key, out _, out var price))
            {
                return new ModelCosts(m.Key, false, 0, 0, 0, 0, f.CostUsd);
            }

            decimal[] weights =
            [
                f.UncachedInputTokens * price.Input,
                f.CachedInputTokens * price.CachedInput,
                f.CacheWriteTokens * (price.CacheWrite ?? price.Input),
                f.OutputTokens * price.Output,
            ];
            var sum = weights.Sum();
            var parts = weights.Select(w => sum == 0 ? 0m : decimal.Round(f.CostUsd * w / sum, 12)).ToArray();
            parts[3] = f.CostUsd - parts[0] - parts[1] - parts[2]; // rounding goes to output, so the parts add up
            return new ModelCosts(m.Key, true, parts[0], parts[1], parts[2], parts[3], f.CostUsd);
        }).ToList();
    }

    /// <summary>
    /// One point per bucket from the start of the range to its end (all time: from the bucket of
    /// the first record to now), empty buckets included, each starting at a local bucket boundary.
    /// </summary>
    public async Task<IReadOnlyList<SeriesValue>> TimeseriesAsync(UsageRange range, SeriesBucket bucket, string? source, CancellationToken cancellationToken)
    {
        var from = range.From ?? await store.ReadFirstRecordTimeAsync(source, cancellationToken);
        if (from is null)
        {
            return [];
        }

        var until = range.Until ?? range.Now;
        var zone = range.Zone;
        var starts = BucketStarts(from.Value, until, zone, bucket);
        if (starts.Count > MaxPoints)
        {
            throw new QueryParameterException("bucket", $"{bucket.ToString().ToLowerInvariant()} buckets over this range would be {starts.Count} points; the most is {MaxPoints}: choose a wider bucket");
        }

        // A first bucket that starts before the range (a week, a month) holds only the range's share.
        var hourly = bucket == SeriesBucket.Hour;
        var read = await store.ReadSeriesAsync(from.Value, until, source, zone, hourly, cancellationToken);
        var sums = new Dictionary<DateTimeOffset, UsageFigures>();
        foreach (var point in read)
        {
            var start = hourly ? LocalHourStart(point.LocalUnit, zone) : UsageRange.Midnight(PeriodStart(DateOnly.FromDayNumber(Epoch + (int)point.LocalUnit), bucket), zone);
            var figures = UsageFigures.Of(point.Totals);
            sums[start] = sums.TryGetValue(start, out var sum) ? sum.Plus(figures) : figures;
        }

        return starts.Select(s => new SeriesValue(s, sums.GetValueOrDefault(s) ?? UsageFigures.Zero)).ToList();
    }

    private static readonly int Epoch = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private static List<DateTimeOffset> BucketStarts(DateTimeOffset from, DateTimeOffset until, TimeZoneInfo zone, SeriesBucket bucket)
    {
        var starts = new List<DateTimeOffset>();
        if (bucket == SeriesBucket.Hour)
        {
            var local = TimeZoneInfo.ConvertTime(from, zone).DateTime;
            var hour = new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0, DateTimeKind.Unspecified);
            for (; starts.Count <= MaxPoints; hour = hour.AddHours(1))
            {
                if (zone.IsInvalidTime(hour))
                {
                    continue;
                }

                var start = new DateTimeOffset(hour, zone.GetUtcOffset(hour));
                if (start >= until)
                {
                    break;
                }

                starts.Add(start);
            }

            return starts;
        }

        var day = PeriodStart(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime), bucket);
        for (; starts.Count <= MaxPoints; day = bucket switch { SeriesBucket.Day => day.AddDays(1), SeriesBucket.Week => day.AddDays(7), _ => day.AddMonths(1) })
        {
            var start = UsageRange.Midnight(day, zone);
            if (start >= until)
            {
                break;
            }

            starts.Add(start);
        }

        return starts;
    }

    private static DateOnly PeriodStart(DateOnly day, SeriesBucket bucket) => bucket switch
    {
        SeriesBucket.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), // weeks start on Monday (ISO 8601)
        SeriesBucket.Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    private static DateTimeOffset LocalHourStart(long localHour, TimeZoneInfo zone)
    {
        var local = DateTime.UnixEpoch.AddHours(localHour);
        var wall = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(wall))
        {
            wall = wall.AddMinutes(15);
        }

        return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }

    private static List<UsageGroup> Group(IEnumerable<RollupRow> rows, Func<RollupRow, string> key) => rows
        .GroupBy(r => key(r) is { Length: > 0 } k ? k : None)
        .Select(g => new UsageGroup(g.Key, UsageFigures.Sum(g.Select(r => r.Totals))))
        .OrderByDescending(g => g.Figures.CostUsd)
        .ThenByDescending(g => g.Figures.TotalTokens)
        .ThenBy(g => g.Key, StringComparer.Ordinal)
        .ToList();

    /// <summary>This month's cost at the pace so far: spent × month length ÷ time elapsed.</summary>
    private static CostForecast Forecast(decimal spent, DateTimeOffset monthStart, DateTimeOffset monthEnd, DateTimeOffset now)
    {
        var elapsed = (now - monthStart).TotalSeconds;
        var length = (monthEnd - monthStart).TotalSeconds;
        var forecast = elapsed <= 0 ? spent : decimal.Round(spent * (decimal)(length / Math.Min(elapsed, length)), 6);
        return new CostForecast(spent, forecast, Math.Clamp(elapsed / length, 0, 1));
    }
}

/// <summary>Counts and cost of a set of calls, flat for JSON. Tokens follow <see cref="TokenUsage"/>: input includes cached and cache writes, output includes reasoning.</summary>
public sealed record UsageFigures(
    long Requests,
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long OutputTokens,
    long ReasoningTokens,
    decimal CostUsd,
    long UnpricedRequests,
    long UnknownUsageRequests)
{
    public static readonly UsageFigures Zero = new(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Input + output.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>Input neither read from nor written to a cache.</summary>
    public long UncachedInputTokens => Math.Max(0, InputTokens - CachedInputTokens - CacheWriteTokens);

    public static UsageFigures Of(SummaryTotals t) => new(
        t.Requests, t.Tokens.InputTokens, t.Tokens.CachedInputTokens, t.Tokens.CacheWriteTokens, t.Tokens.OutputTokens, t.Tokens.ReasoningTokens,
        t.CostUsd, t.UnpricedRequests, t.UnknownUsageRequests);

    public static UsageFigures Sum(IEnumerable<SummaryTotals> totals) => totals.Aggregate(Zero, (sum, t) => sum.Plus(Of(t)));

    public UsageFigures Plus(UsageFigures o) => new(
        Requests + o.Requests, InputTokens + o.InputTokens, CachedInputTokens + o.CachedInputTokens, CacheWriteTokens + o.CacheWriteTokens,
        OutputTokens + o.OutputTokens, ReasoningTokens + o.ReasoningTokens, CostUsd + o.CostUsd, UnpricedRequests + o.UnpricedRequests,
        UnknownUsageRequests + o.UnknownUsageRequests);
}

/// <summary>What <see cref="UsageQueries.SummaryAsync"/> returns.</summary>
public sealed record UsageSummary(
    UsageFigures Totals,
    UsageFigures? Previous,
    UsageChange? Change,
    IReadOnlyList<UsageGroup> ByModel,
    IReadOnlyList<UsageGroup> BySource,
    IReadOnlyList<UsageGroup> ByAccount,
    IReadOnlyList<UsageGroup> ByEffort,
    CostForecast? Forecast);

/// <summary>Totals of one model, source, account or effort.</summary>
public sealed record UsageGroup(string Key, UsageFigures Figures);

/// <summary>Relative change against the previous period (0.25 = +25 %); null where the previous period had none.</summary>
public sealed record UsageChange(double? Requests, double? TotalTokens, double? InputTokens, double? CachedInputTokens, double? OutputTokens, double? ReasoningTokens, double? CostUsd)
{
    public static UsageChange Between(UsageFigures before, UsageFigures now) => new(
        Ratio(before.Requests, now.Requests),
        Ratio(before.TotalTokens, now.TotalTokens),
        Ratio(before.InputTokens, now.InputTokens),
        Ratio(before.CachedInputTokens, now.CachedInputTokens),
        Ratio(before.OutputTokens, now.OutputTokens),
        Ratio(before.ReasoningTokens, now.ReasoningTokens),
        Ratio((double)before.CostUsd, (double)now.CostUsd));

    private static double? Ratio(double before, double now) => before == 0 ? null : Math.Round((now - before) / before, 4);
}

/// <summary>The month's cost so far, where it ends at this pace, and how much of the month has passed (0–1).</summary>
public sealed record CostForecast(decimal SpentUsd, decimal ForecastUsd, double MonthElapsed);

/// <summary>A model's cost by token type (reasoning is billed as output); <see cref="Priced"/> is false when no price matches it.</summary>
public sealed record ModelCosts(string Model, bool Priced, decimal InputUsd, decimal CachedInputUsd, decimal CacheWriteUsd, decimal OutputUsd, decimal TotalUsd);

/// <summary>One point of a time series: the local start of its bucket and its figures.</summary>
public sealed record SeriesValue(DateTimeOffset Start, UsageFigures Figures);
