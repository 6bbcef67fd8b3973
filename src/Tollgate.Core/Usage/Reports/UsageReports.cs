using System.Collections.ObjectModel;
using System.Globalization;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Usage.Reports;

/// <summary>Token and cost totals for one bucket (a period, a session, or one model within them).</summary>
public sealed class UsageTotals
{
    public long Requests { get; private set; }
    public TokenUsage Tokens { get; private set; }
    public decimal CostUsd { get; private set; }

    /// <summary>Calls with known usage whose model has no price: their cost is not in <see cref="CostUsd"/>.</summary>
    public long UnpricedRequests { get; private set; }

    /// <summary>Calls whose usage is unknown (not zero): their tokens are not in <see cref="Tokens"/>.</summary>
    public long UnknownUsageRequests { get; private set; }

    /// <summary>Adds <paramref name="t"/> to the model's totals in <paramref name="models"/> (an unknown model, "", under <see cref="PeriodReport.UnknownModel"/>).</summary>
    public static void AddByModel(IDictionary<string, UsageTotals> models, string model, SummaryTotals t)
    {
        var key = model.Length == 0 ? PeriodReport.UnknownModel : model;
        if (!models.TryGetValue(key, out var totals))
        {
            totals = new UsageTotals();
            models[key] = totals;
        }

        totals.Add(t);
    }

    /// <summary>Where <see cref="UnpricedRequests"/> is among the nine counts <see cref="Add(ReadOnlySpan{long})"/> takes.</summary>
    internal const int UnpricedIndex = 7;

    /// <summary>Adds nine counts in the order of <see cref="SummaryCounts"/>'s properties (cost in pico-dollars).</summary>
    public void Add(ReadOnlySpan<long> counts)
    {
        Requests += counts[0];
        Tokens += new TokenUsage(counts[1], counts[2], counts[3], counts[4], counts[5]);
        CostUsd += Money.FromPico(counts[6]);
        UnpricedRequests += counts[UnpricedIndex];
        UnknownUsageRequests += counts[8];
    }

    public void Add(SummaryTotals t)
    {
        Requests += t.Requests;
        Tokens += t.Tokens;
        CostUsd += t.CostUsd;
        UnpricedRequests += t.UnpricedRequests;
        UnknownUsageRequests += t.UnknownUsageRequests;
    }
}

/// <summary>How a period report groups days.</summary>
public enum ReportPeriod
{
    Daily,
    Weekly,
    Monthly,
}

/// <summary>One period (a day, the week starting on <see cref="Start"/>, or a month) with per-model breakdowns.</summary>
/// <param name="Key"><c>2026-11-23</c> for a day or week (its first day), <c>2026-11</c> for a month.</param>
public sealed record PeriodRow(string Key, DateOnly Start, UsageTotals Totals, IReadOnlyDictionary<string, UsageTotals> Models);

/// <summary>
/// The daily, weekly and monthly reports: the store's per-day sums in the chosen time zone
/// (each record bucketed by its own timestamp), grouped into periods, with per-model
/// breakdowns and a totals row.
/// </summary>
public sealed record PeriodReport(ReportPeriod Period, IReadOnlyList<PeriodRow> Rows, UsageTotals Totals, TimeZoneInfo TimeZone)
{
    /// <summary>Model name used for records whose model is not known.</summary>
    public const string UnknownModel = "(unknown)";

    public static async Task<PeriodReport> BuildAsync(
        IUsageStore store, ReportRange range, ReportPeriod period, CancellationToken cancellationToken)
    {
        // In a zone the store keeps no whole days for (not the machine's own), each period is read as one exact range.
        var days = range.TimeZone.Id != TimeZoneInfo.Local.Id
            ? await store.ReadLocalPeriodsAsync(
                range.TimeZone, range.FromUtc, range.UntilUtc, range.Source, day => PeriodStart(day, period, range.WeekStart), start => period switch
                {
                    ReportPeriod.Monthly => start.AddMonths(1),
                    ReportPeriod.Weekly => start.AddDays(7),
                    _ => start.AddDays(1),
                },
                cancellationToken)
            : await store.ReadDaysAsync(range.FromUtc, range.UntilUtc, range.Source, range.TimeZone, cancellationToken);
        var rows = new Dictionary<int, PeriodSums>(); // by the period's first day number
        var totals = new UsageTotals();
        foreach (var day in days)
        {
            var start = PeriodStart(day.Day, period, range.WeekStart).DayNumber;
            if (!rows.TryGetValue(start, out var row))
            {
                row = new PeriodSums();
                rows[start] = row;
            }

            UsageTotals.AddByModel(row.Models, day.Model, day.Totals);
            row.Totals.Add(day.Totals);
            totals.Add(day.Totals);
        }

        var starts = rows.Keys.ToArray();
        Array.Sort(starts);
        if (range.Descending)
        {
            Array.Reverse(starts);
        }

        var ordered = new List<PeriodRow>(starts.Length);
        foreach (var number in starts)
        {
            var start = DateOnly.FromDayNumber(number);
            ordered.Add(new PeriodRow(Key(start, period), start, rows[number].Totals, rows[number].Models));
        }

        return new PeriodReport(period, ordered, totals, range.TimeZone);
    }

    /// <summary>A period's sums while they are added up (a class: a report is a short process, and generic code over a value tuple is compiled at run time).</summary>
    private sealed class PeriodSums
    {
        public UsageTotals Totals { get; } = new();
        public SortedDictionary<string, UsageTotals> Models { get; } = new(StringComparer.Ordinal);
    }

    public static DateOnly PeriodStart(DateOnly day, ReportPeriod period, DayOfWeek weekStart) => period switch
    {
        ReportPeriod.Weekly => day.AddDays(-(((int)day.DayOfWeek - (int)weekStart + 7) % 7)),
        ReportPeriod.Monthly => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    private static string Key(DateOnly start, ReportPeriod period) =>
        start.ToString(period == ReportPeriod.Monthly ? "yyyy-MM" : "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// One session (a Codex thread, or a client's session id through the gateway). A row the report
/// builds from the store's counts makes its <see cref="Totals"/> and <see cref="Models"/> when
/// they are asked for, a new one each time (adding to them changes nothing here).
/// </summary>
public sealed class SessionRow
{
    private readonly UsageTotals? _totals;
    private readonly IReadOnlyDictionary<string, UsageTotals>? _models;
    private readonly ModelTotals.Layout? _layout;
    private readonly ReadOnlyMemory<long> _sums;

    /// <param name="codex">What the Codex log says about the session, when it came from one.</param>
    public SessionRow(string sessionId, DateTimeOffset firstActivity, DateTimeOffset lastActivity, UsageTotals totals, IReadOnlyDictionary<string, UsageTotals> models, CodexSession? codex)
    {
        (SessionId, FirstActivity, LastActivity, Codex) = (sessionId, firstActivity, lastActivity, codex);
        (_totals, _models) = (totals, models);
    }

    /// <summary>A row over the store's counts of one session, its models laid out by <paramref name="layout"/>.</summary>
    internal SessionRow(SessionUsage usage, ModelTotals.Layout layout, CodexSession? codex)
    {
        (SessionId, FirstActivity, LastActivity, Codex) = (usage.SessionId, usage.FirstActivity, usage.LastActivity, codex);
        (_layout, _sums) = (layout, usage.Sums);
    }

    public string SessionId { get; }

    public DateTimeOffset FirstActivity { get; }

    public DateTimeOffset LastActivity { get; }

    public UsageTotals Totals => _totals ?? SessionReport.AddSession(new UsageTotals(), _sums.Span);

    public IReadOnlyDictionary<string, UsageTotals> Models => _models ?? new ModelTotals(_layout!, _sums);

    /// <summary>What the Codex log says about the session, when it came from one.</summary>
    public CodexSession? Codex { get; }
}

/// <summary>The session report: one row per session whose last activity is in the range, ordered by last activity.</summary>
public sealed record SessionReport(IReadOnlyList<SessionRow> Sessions, UsageTotals Totals, TimeZoneInfo TimeZone)
{
    public static async Task<SessionReport> BuildAsync(
        IUsageStore store, ReportRange range, IReadOnlyDictionary<string, CodexSession> codexSessions, CancellationToken cancellationToken)
    {
        var sessions = await store.ReadSessionsAsync(range.FromUtc, range.UntilUtc, range.Source, cancellationToken);
        var lastTicks = new long[sessions.Count];
        var order = new int[sessions.Count];
        var totals = new UsageTotals();
        var layouts = new Dictionary<IReadOnlyList<string>, ModelTotals.Layout>(ReferenceEqualityComparer.Instance); // sessions with the same models share their list
        for (var i = 0; i < order.Length; i++)
        {
            var session = sessions[i];
            (lastTicks[i], order[i]) = (session.LastActivity.UtcTicks, i);
            AddSession(totals, session.Sums.Span); // session by session, as the rows show them: the total's cost has the decimal places theirs have
            if (!layouts.ContainsKey(session.Models))
            {
                layouts[session.Models] = new ModelTotals.Layout(session.Models);
            }
        }

        // By last activity, then by id (ordinal) where that is the same: the keys sort as numbers,
        // then each run of equal keys by id.
        Array.Sort(lastTicks, order);
        for (int start = 0, end; start < order.Length; start = end)
        {
            for (end = start + 1; end < order.Length && lastTicks[end] == lastTicks[start]; end++)
            {
            }

            if (end - start > 1)
            {
                Array.Sort(order, start, end - start, Comparer<int>.Create((a, b) => string.CompareOrdinal(sessions[a].SessionId, sessions[b].SessionId)));
            }
        }

        if (range.Descending)
        {
            Array.Reverse(order);
        }

        return new SessionReport(new SessionRows(sessions, order, layouts, codexSessions), totals, range.TimeZone);
    }

    /// <summary>
    /// The report's rows over the sessions as the store read them, in the report's order; each row
    /// is made when it is read, a new one each time. A report of every session of a large store
    /// holds no object per session beyond what the store read.
    /// </summary>
    private sealed class SessionRows(
        IReadOnlyList<SessionUsage> sessions, int[] order, IReadOnlyDictionary<IReadOnlyList<string>, ModelTotals.Layout> layouts, IReadOnlyDictionary<string, CodexSession> codexSessions)
        : IReadOnlyList<SessionRow>
    {
        public int Count => order.Length;

        public SessionRow this[int index]
        {
            get
            {
                var session = sessions[order[index]];
                return new SessionRow(session, layouts[session.Models], codexSessions.GetValueOrDefault(session.SessionId));
            }
        }

        public IEnumerator<SessionRow> GetEnumerator()
        {
            for (var i = 0; i < order.Length; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Adds a session's counts, all its models together (one cost conversion for the session), to <paramref name="totals"/> and returns it.</summary>
    internal static UsageTotals AddSession(UsageTotals totals, ReadOnlySpan<long> counts)
    {
        Span<long> sums = stackalloc long[SessionUsage.CountsPerModel];
        for (var at = 0; at < counts.Length; at += SessionUsage.CountsPerModel)
        {
            for (var c = 0; c < sums.Length; c++)
            {
                sums[c] += counts[at + c];
            }
        }

        totals.Add(sums);
        return totals;
    }
}

/// <summary>
/// Totals by model, sorted by name (ordinal), over a session's counts as the store read them
/// (<see cref="SessionUsage.Sums"/>): each model's <see cref="UsageTotals"/> is made when it is asked for,
/// a new one each time (adding to it changes nothing here). A report of every session
/// of a large store has hundreds of thousands of them; made up front, they outlived the young
/// generation and cost the report more in garbage collection than the reading did.
/// </summary>
public sealed class ModelTotals(ModelTotals.Layout layout, ReadOnlyMemory<long> sums) : IReadOnlyDictionary<string, UsageTotals>
{
    public UsageTotals this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys => layout.View;

    public IEnumerable<UsageTotals> Values => this.Select(pair => pair.Value);

    public int Count => layout.Names.Length;

    public bool ContainsKey(string key) => Array.BinarySearch(layout.Names, key, StringComparer.Ordinal) >= 0;

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out UsageTotals value)
    {
        var at = Array.BinarySearch(layout.Names, key, StringComparer.Ordinal);
        value = at >= 0 ? Totals(at) : null;
        return at >= 0;
    }

    public IEnumerator<KeyValuePair<string, UsageTotals>> GetEnumerator()
    {
        for (var i = 0; i < layout.Names.Length; i++)
        {
            yield return new KeyValuePair<string, UsageTotals>(layout.Names[i], Totals(i));
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The models with calls that have no price, in name order, read from the counts without making any totals.</summary>
    public IEnumerable<string> Unpriced()
    {
        for (var i = 0; i < layout.Names.Length; i++)
        {
            if (sums.Span[layout.Starts[i] + UsageTotals.UnpricedIndex] > 0)
            {
                yield return layout.Names[i];
            }
        }
    }

    private UsageTotals Totals(int i)
    {
        var totals = new UsageTotals();
        totals.Add(sums.Span.Slice(layout.Starts[i], SessionUsage.CountsPerModel));
        return totals;
    }

    /// <summary>A list of models sorted by name (ordinal), and where each one's counts start among the sums in the list's own order.</summary>
    public sealed class Layout
    {
        /// <param name="models">Distinct names ("" = unknown, shown as <see cref="PeriodReport.UnknownModel"/>), in the order of the sums.</param>
        public Layout(IReadOnlyList<string> models)
        {
            Names = new string[models.Count];
            Starts = new int[models.Count];
            for (var i = 0; i < Names.Length; i++)
            {
                Names[i] = models[i].Length == 0 ? PeriodReport.UnknownModel : models[i];
                Starts[i] = i * SessionUsage.CountsPerModel;
            }

            Array.Sort(Names, Starts, StringComparer.Ordinal);
            View = Array.AsReadOnly(Names);
        }

        /// <summary>The names, sorted; shared by every session with these models, so never handed out but as <see cref="View"/>.</summary>
        internal string[] Names { get; }

        internal ReadOnlyCollection<string> View { get; }

        internal int[] Starts { get; }
    }
}

/// <summary>A report's range and presentation choices: local dates in a time zone, turned into UTC instants for the query.</summary>
public sealed record ReportRange(DateOnly? Since, DateOnly? Until, TimeZoneInfo TimeZone, string? Source)
{
    /// <summary>Newest first.</summary>
    public bool Descending { get; init; }

    /// <summary>The first day of a week in the weekly report.</summary>
    public DayOfWeek WeekStart { get; init; } = DayOfWeek.Monday;

    public DateTimeOffset? FromUtc => Since is { } d ? Midnight(d) : null;

    /// <summary>Exclusive end: midnight after the <see cref="Until"/> day.</summary>
    public DateTimeOffset? UntilUtc => Until is { } d ? Midnight(d.AddDays(1)) : null;

    /// <summary>The local date of an instant in <see cref="TimeZone"/>.</summary>
    public DateOnly LocalDate(DateTimeOffset time) => LocalCalendar.Date(TimeZone, time);

    /// <summary>The instant a local day begins in <see cref="TimeZone"/>.</summary>
    public DateTimeOffset Midnight(DateOnly date) => LocalCalendar.Midnight(TimeZone, date);
}
