using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>
/// Totals of local periods in any time zone, read from the rollups without a scan: a period is
/// the run of whole UTC days nearest to it (calendar months where whole) plus or minus the hours,
/// 15-minute slots and, at edges between slots, records by which it differs from them. Local days
/// in Asia/Kolkata, for one, are UTC days less their last 5½ hours plus the previous day's;
/// the piece between two neighbouring periods is read once and counted for both.
/// </summary>
public sealed partial class SqliteUsageStore
{
    /// <summary>Totals per period and model (model "" = unknown), each row dated on its period's <see cref="PeriodSpan.Key"/>.</summary>
    public async Task<IReadOnlyList<DaySummary>> ReadPeriodsAsync(IReadOnlyList<PeriodSpan> periods, string? source, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return ReadPeriods(connection, periods, source, cancellationToken);
    }

    /// <summary>
    /// Totals per model of the periods of <paramref name="zone"/>'s calendar over [from, until)
    /// (null = open), cut to the hours that hold records: each period begins at the local
    /// midnight of <paramref name="start"/>(its day) and ends where <paramref name="next"/> begins.
    /// </summary>
    public async Task<IReadOnlyList<DaySummary>> ReadLocalPeriodsAsync(
        TimeZoneInfo zone, DateTimeOffset? from, DateTimeOffset? until, string? source,
        Func<DateOnly, DateOnly> start, Func<DateOnly, DateOnly> next, CancellationToken cancellationToken)
    {
        if (await ReadRecordHoursAsync(source, cancellationToken) is not { } hours)
        {
            return [];
        }

        var (first, last) = hours;
        var spans = PeriodSpan.Of(zone, from > first ? from.Value : first, until < last ? until.Value : last, start, next);
        return await ReadPeriodsAsync(spans, source, cancellationToken);
    }

    private static IReadOnlyList<DaySummary> ReadPeriods(
        SqliteConnection connection, IReadOnlyList<PeriodSpan> periods, string? source, CancellationToken cancellationToken)
    {
        var plan = PeriodPieces.Of(periods);
        if (plan.Count == 0)
        {
            return [];
        }

        // The rows themselves, added up here: SQLite's GROUP BY cost more than reading them (a
        // year of days in a zone 13 hours from UTC touches some 50,000 hour rows).
        var filter = source is null ? "" : " AND source = $source";
        using var query = new RawQuery(connection, $"""
            WITH p(id, lvl, lo, hi) AS MATERIALIZED (
                SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each($pieces))
            SELECT p.id, model, {SumColumns} FROM p CROSS JOIN usage_rollups
            WHERE p.lvl >= 0 AND level = p.lvl AND unit >= p.lo AND unit < p.hi{filter}
            UNION ALL
            SELECT p.id, model, {SumColumns} FROM p CROSS JOIN usage_buckets
            WHERE p.lvl = {PeriodPieces.Slots} AND bucket >= p.lo AND bucket < p.hi{filter}
            UNION ALL
            SELECT p.id, COALESCE(model, ''), {RecordSums} FROM p CROSS JOIN usage_records
            WHERE p.lvl = {PeriodPieces.Records} AND time_ms >= p.lo AND time_ms < p.hi AND duplicate_of IS NULL{filter}
            """);
        query.Bind("$pieces", plan.ToJson()).Bind("$source", source);

        // Per period, its sums by model (in the column order of SumColumns); the piece being read, its sums by model.
        var sums = new Dictionary<string, long[]>[periods.Count];
        var (models, piece, current) = (ByteStrings.Utf8(), -1, new List<(string Model, long[] Sums)>());
        while (query.Read())
        {
            if ((int)query.Int64(0) != piece)
            {
                AddPiece();
                cancellationToken.ThrowIfCancellationRequested();
                piece = (int)query.Int64(0);
            }

            var model = models.Of(query.Bytes(1));
            long[]? sum = null;
            for (var m = 0; m < current.Count && sum is null; m++)
            {
                sum = ReferenceEquals(current[m].Model, model) ? current[m].Sums : null;
            }

            if (sum is null)
            {
                sum = new long[SumCount];
                current.Add((model, sum));
            }

            for (var c = 0; c < SumCount; c++)
            {
                sum[c] += query.Int64(2 + c);
            }
        }

        AddPiece();
        var rows = new List<DaySummary>();
        for (var i = 0; i < periods.Count; i++)
        {
            foreach (var (model, sum) in sums[i] ?? [])
            {
                if (sum[0] > 0)
                {
                    rows.Add(new DaySummary(
                        periods[i].Key,
                        model,
                        new SummaryTotals(sum[0], new TokenUsage(sum[1], sum[2], sum[3], sum[4], sum[5]), Money.FromPico(sum[6]), sum[7], sum[8])));
                }
            }
        }

        return rows;

        // Adds the piece just read to each period it is part of, or takes it from it.
        void AddPiece()
        {
            foreach (var (model, sum) in current)
            {
                foreach (var (period, sign) in plan.Uses(piece))
                {
                    var byModel = sums[period] ??= new Dictionary<string, long[]>(StringComparer.Ordinal);
                    if (!byModel.TryGetValue(model, out var total))
                    {
                        total = new long[SumCount];
                        byModel[model] = total;
                    }

                    for (var c = 0; c < SumCount; c++)
                    {
                        total[c] += sign * sum[c];
                    }
                }
            }

            current.Clear();
        }
    }

    /// <summary>How many columns <see cref="SumColumns"/> names.</summary>
    private const int SumCount = 9;
}

/// <summary>
/// The pieces <see cref="SqliteUsageStore.ReadPeriodsAsync(IReadOnlyList{PeriodSpan}, string?, CancellationToken)"/>
/// reads, each a range of one rollup level (or of slots or records), and for each the periods it is added to or taken from.
/// </summary>
internal sealed class PeriodPieces
{
    /// <summary>Levels beside the rollups' own (0 hours, 1 days, 4 months): <c>usage_buckets</c> slots and <c>usage_records</c> times.</summary>
    public const int Slots = -1, Records = -2;

    private const int Hours = 0, Days = 1, Months = 4;
    private const long HourMs = 3_600_000, DayMs = 86_400_000, SlotMs = SqliteUsageStore.BucketMs;

    private readonly List<(int Level, long Low, long High)> _pieces = [];
    private readonly List<List<(int Period, int Sign)>> _uses = [];
    private readonly Dictionary<(int Level, long Low, long High), int> _index = [];
    private int _period;

    public int Count => _pieces.Count;

    public IReadOnlyList<(int Period, int Sign)> Uses(int piece) => _uses[piece];

    public static PeriodPieces Of(IReadOnlyList<PeriodSpan> periods)
    {
        var plan = new PeriodPieces();
        for (var i = 0; i < periods.Count; i++)
        {
            plan._period = i;
            plan.AddPeriod(Math.Max(0, periods[i].From.ToUnixTimeMilliseconds()), Math.Max(0, periods[i].Until.ToUnixTimeMilliseconds()));
        }

        return plan;
    }

    /// <summary>The pieces as a JSON array of <c>[id, level, low, high]</c>, for SQLite's <c>json_each</c>.</summary>
    public string ToJson()
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < _pieces.Count; i++)
        {
            var (level, low, high) = _pieces[i];
            json.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}[{i},{level},{low},{high}]");
        }

        return json.Append(']').ToString();
    }

    private void AddPeriod(long from, long until)
    {
        if (until <= from)
        {
            return;
        }

        // The UTC midnights nearest to the period's two ends: whole days between them, the differences at either end.
        var (first, last) = ((from + (DayMs / 2)) / DayMs, (until + (DayMs / 2)) / DayMs);

        if (last <= first)
        {
            AddSpan(from, until, 1);
            return;
        }

        var firstMonth = SqliteUsageStore.MonthOf(first * DayMs);
        firstMonth += SqliteUsageStore.FirstDayOf(firstMonth) < first ? 1 : 0;
        var lastMonth = SqliteUsageStore.MonthOf(last * DayMs);
        if (firstMonth < lastMonth)
        {
            Add(Days, first, SqliteUsageStore.FirstDayOf(firstMonth), 1);
            Add(Months, firstMonth, lastMonth, 1);
            Add(Days, SqliteUsageStore.FirstDayOf(lastMonth), last, 1);
        }
        else
        {
            Add(Days, first, last, 1);
        }

        AddDifference(from, first * DayMs);
        AddDifference(until, last * DayMs, atEnd: true);
    }

    /// <summary>What lies between a period's end and the UTC midnight nearest to it: added where the period reaches past the midnight, taken where it stops short.</summary>
    private void AddDifference(long end, long midnight, bool atEnd = false)
    {
        if (end < midnight)
        {
            AddSpan(end, midnight, atEnd ? -1 : 1);
        }
        else if (end > midnight)
        {
            AddSpan(midnight, end, atEnd ? 1 : -1);
        }
    }

    /// <summary>[from, until) as whole hours, whole slots beside them, and records where an end falls inside a slot.</summary>
    private void AddSpan(long from, long until, int sign)
    {
        var (firstSlot, lastSlot) = (SqliteUsageStore.CeilDiv(from, SlotMs), until / SlotMs);
        if (firstSlot >= lastSlot)
        {
            Add(Records, from, until, sign);
            return;
        }

        Add(Records, from, firstSlot * SlotMs, sign);
        var (firstHour, lastHour) = (SqliteUsageStore.CeilDiv(firstSlot, HourMs / SlotMs), lastSlot / (HourMs / SlotMs));
        if (firstHour < lastHour)
        {
            Add(Slots, firstSlot, firstHour * (HourMs / SlotMs), sign);
            Add(Hours, firstHour, lastHour, sign);
            Add(Slots, lastHour * (HourMs / SlotMs), lastSlot, sign);
        }
        else
        {
            Add(Slots, firstSlot, lastSlot, sign);
        }

        Add(Records, lastSlot * SlotMs, until, sign);
    }

    private void Add(int level, long low, long high, int sign)
    {
        if (low >= high)
        {
            return;
        }

        if (!_index.TryGetValue((level, low, high), out var id))
        {
            id = _pieces.Count;
            _index[(level, low, high)] = id;
            _pieces.Add((level, low, high));
            _uses.Add([]);
        }

        _uses[id].Add((_period, sign));
    }
}
