using Tollgate.Core.Storage;

namespace Tollgate.Core.Usage.Reports;

/// <summary>Token and cost totals for one bucket (a day, or one model within a day).</summary>
public sealed class UsageTotals
{
    public long Requests { get; private set; }
    public TokenUsage Tokens { get; private set; }
    public decimal CostUsd { get; private set; }

    /// <summary>Calls with known usage whose model has no price: their cost is not in <see cref="CostUsd"/>.</summary>
    public long UnpricedRequests { get; private set; }

    /// <summary>Calls whose usage is unknown (not zero): their tokens are not in <see cref="Tokens"/>.</summary>
    public long UnknownUsageRequests { get; private set; }

    public void Add(UsageRecord record)
    {
        Requests++;
        if (record.Usage is { } usage)
        {
            Tokens += usage;
            if (record.CostUsd is { } cost)
            {
                CostUsd += cost;
            }
            else
            {
                UnpricedRequests++;
            }
        }
        else if (record.UsageState == UsageState.Unknown)
        {
            UnknownUsageRequests++;
        }
    }
}

/// <summary>One day of the daily report.</summary>
public sealed record DailyRow(DateOnly Date, UsageTotals Totals, IReadOnlyDictionary<string, UsageTotals> Models);

/// <summary>
/// The daily report: records bucketed by the local date of their own timestamp in the chosen
/// time zone, with per-model breakdowns and totals. The weekly, monthly and session reports of
/// the log-tracking work reuse <see cref="UsageTotals"/> and the same bucketing.
/// </summary>
public sealed record DailyReport(IReadOnlyList<DailyRow> Days, UsageTotals Totals, TimeZoneInfo TimeZone)
{
    /// <summary>Model name used for records whose model is not known.</summary>
    public const string UnknownModel = "(unknown)";

    public static async Task<DailyReport> BuildAsync(IUsageStore store, ReportRange range, CancellationToken cancellationToken)
    {
        var days = new SortedDictionary<DateOnly, (UsageTotals Totals, SortedDictionary<string, UsageTotals> Models)>();
        var totals = new UsageTotals();
        var query = new UsageQuery(range.FromUtc, range.UntilUtc, range.Source);
        await foreach (var record in store.ReadAsync(query, cancellationToken))
        {
            var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(record.Time, range.TimeZone).DateTime);
            if (!days.TryGetValue(date, out var day))
            {
                day = (new UsageTotals(), new SortedDictionary<string, UsageTotals>(StringComparer.Ordinal));
                days[date] = day;
            }

            var model = record.Model ?? UnknownModel;
            if (!day.Models.TryGetValue(model, out var perModel))
            {
                perModel = new UsageTotals();
                day.Models[model] = perModel;
            }

            perModel.Add(record);
            day.Totals.Add(record);
            totals.Add(record);
        }

        return new DailyReport(days.Select(d => new DailyRow(d.Key, d.Value.Totals, d.Value.Models)).ToList(), totals, range.TimeZone);
    }
}

/// <summary>A report's range: local dates in a time zone, turned into UTC instants for the query.</summary>
public sealed record ReportRange(DateOnly? Since, DateOnly? Until, TimeZoneInfo TimeZone, string? Source)
{
    public DateTimeOffset? FromUtc => Since is { } d ? LocalMidnight(d) : null;

    /// <summary>Exclusive end: midnight after the <see cref="Until"/> day.</summary>
    public DateTimeOffset? UntilUtc => Until is { } d ? LocalMidnight(d.AddDays(1)) : null;

    private DateTimeOffset LocalMidnight(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (TimeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30); // midnight skipped by a DST change
        }

        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local));
    }
}
