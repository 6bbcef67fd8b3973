using System.Globalization;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Queries;

namespace Tollgate.Tui;

/// <summary>The figures of one summary block: a named local period and what was used in it.</summary>
internal sealed record PeriodTotals(string Label, DateTimeOffset From, DateTimeOffset Until, UsageFigures Figures);

/// <summary>
/// What the Usage screen shows: totals for today, this week (from Monday), this month and the
/// trailing 12 months in the UI's time zone, and the most recent calls, newest on top, kept up
/// to date from the live feed. Plain state and text; the view only draws it. Safe to update
/// from a background task while the UI reads it (every list is swapped whole).
/// </summary>
internal sealed class UsageScreenModel(ITuiDataSource source, TimeProvider time, TimeZoneInfo zone)
{
    /// <summary>Most calls the table keeps.</summary>
    public const int MaxRows = 500;

    public const string SummaryHeader = "Period          Reqs    Input   Cached   Output   Reason    Total        Cost";

    public const string RequestHeader = "Time     Model                Account      Status Latency   Tokens      Cost";

    private readonly Lock _gate = new();
    private IReadOnlyList<PeriodTotals> _periods = [];
    private IReadOnlyList<RequestRow> _requests = [];

    public IReadOnlyList<PeriodTotals> Periods => Volatile.Read(ref _periods);

    /// <summary>Newest first.</summary>
    public IReadOnlyList<RequestRow> Requests => Volatile.Read(ref _requests);

    /// <summary>Today, this week, this month, the last 12 months (the month-aligned range the API calls last12months), local to the zone.</summary>
    public static IReadOnlyList<(string Label, DateTimeOffset From, DateTimeOffset Until)> PeriodsAt(DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        var month = new DateOnly(today.Year, today.Month, 1);
        return
        [
            ("Today", UsageRange.Midnight(today, zone), UsageRange.Midnight(today.AddDays(1), zone)),
            ("This week", UsageRange.Midnight(monday, zone), UsageRange.Midnight(monday.AddDays(7), zone)),
            ("This month", UsageRange.Midnight(month, zone), UsageRange.Midnight(month.AddMonths(1), zone)),
            ("Last 12 months", UsageRange.Midnight(month.AddMonths(-11), zone), UsageRange.Midnight(month.AddMonths(1), zone)),
        ];
    }

    public async Task RefreshTotalsAsync(CancellationToken cancellationToken)
    {
        var periods = new List<PeriodTotals>();
        foreach (var (label, from, until) in PeriodsAt(time.GetUtcNow(), zone))
        {
            periods.Add(new PeriodTotals(label, from, until, await source.TotalsAsync(from, until, cancellationToken)));
        }

        Volatile.Write(ref _periods, periods);
    }

    /// <summary>Reads the latest calls from the store; rows the live feed brought meanwhile stay.</summary>
    public async Task LoadRecentAsync(CancellationToken cancellationToken) => Add(await source.RecentAsync(MaxRows, cancellationToken));

    /// <summary>Merges calls in (live or loaded): each once, newest on top, at most <see cref="MaxRows"/>.</summary>
    public void Add(IReadOnlyList<RequestRow> rows)
    {
        lock (_gate)
        {
            var merged = _requests.Concat(rows)
                .DistinctBy(r => r.Id)
                .OrderByDescending(r => r.Time)
                .ThenByDescending(r => r.Id)
                .Take(MaxRows)
                .ToList();
            Volatile.Write(ref _requests, merged);
        }
    }

    /// <summary>The summary table: a header, then one line per period.</summary>
    public IReadOnlyList<string> SummaryLines() =>
        [SummaryHeader, .. Periods.Select(p => SummaryLine(p.Label, p.Figures))];

    /// <summary>
    /// One period: its calls, then tokens split so the parts add up to the total — input not
    /// read from a cache, cached input, output without reasoning, reasoning — and the cost.
    /// </summary>
    public static string SummaryLine(string label, UsageFigures f) => string.Create(
        CultureInfo.InvariantCulture,
        $"{TuiFormat.Fit(label, 14)}{f.Requests,6} {TuiFormat.Tokens(f.InputTokens - f.CachedInputTokens),8} {TuiFormat.Tokens(f.CachedInputTokens),8} {TuiFormat.Tokens(f.OutputTokens - f.ReasoningTokens),8} {TuiFormat.Tokens(f.ReasoningTokens),8} {TuiFormat.Tokens(f.TotalTokens),8} {TuiFormat.Cost(f.CostUsd, f.Requests, f.UnpricedRequests),11}");

    public IReadOnlyList<string> RequestLines() => Requests.Select(r => RequestLine(r, zone)).ToList();

    public static string RequestLine(RequestRow r, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(r.Time, zone).ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var tokens = r.Usage is { } u ? TuiFormat.Tokens(u.TotalTokens) : "?";
        var cost = r.CostUsd is { } usd ? TuiFormat.Usd(usd) : r.Usage is null ? "—" : "unpriced";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{local} {TuiFormat.Fit(r.Model ?? "?", 20)} {TuiFormat.Fit(r.Account ?? "—", 12)} {Status(r),-6} {TuiFormat.Latency(r.LatencyMs),7} {tokens,8} {cost,9}");
    }

    /// <summary>The HTTP status, or how the call ended when that says more (no status, or a cut stream).</summary>
    private static string Status(RequestRow r) => r.Outcome switch
    {
        CallOutcome.UpstreamUnreachable => "unrch",
        CallOutcome.UpstreamTimeout => "tmout",
        CallOutcome.StreamCut => "cut",
        CallOutcome.ClientCancelled => "cancl",
        CallOutcome.GatewayStopped => "stop",
        _ when r.Status > 0 => r.Status.ToString(CultureInfo.InvariantCulture),
        _ => "—",
    };
}
