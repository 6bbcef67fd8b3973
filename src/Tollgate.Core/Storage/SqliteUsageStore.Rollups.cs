using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tollgate.Core.Storage;

/// <summary>
/// The reads behind the JSON API and the dashboard: totals over any range by source, model,
/// account and reasoning effort, and time series in any time zone. A range is split into whole
/// UTC days and hours, read from <c>usage_rollups</c>, and the partial hours at its two edges,
/// read from the records themselves, so every answer is exact to the millisecond and costs a
/// few hundred rows whatever the size of the store.
/// </summary>
public sealed partial class SqliteUsageStore
{
    private const long HourMs = 3_600_000;
    private const long DayMs = 86_400_000;

    /// <summary>
    /// The rollup levels: whole UTC hours (0), days (1) and calendar months (4) by source, model,
    /// account and effort; whole UTC hours (2) and 15-minute slots (3) by source alone, for time
    /// series: a year of level 0 is hundreds of thousands of rows, of level 2 under twenty
    /// thousand, and level 3 serves the zones whose offsets are not whole hours. A long range
    /// reads months, then days, then hours at each end.
    /// </summary>
    private static readonly (int Level, Func<long, long> Unit, bool SourceOnly)[] RollupLevels =
    [
        (0, ms => Math.DivRem(ms, HourMs).Quotient, false),
        (1, ms => Math.DivRem(ms, DayMs).Quotient, false),
        (2, ms => Math.DivRem(ms, HourMs).Quotient, true),
        (3, ms => Math.DivRem(ms, BucketMs).Quotient, true),
        (4, MonthOf, false),
    ];

    /// <summary>The UTC calendar month of a time, as months since January 1970.</summary>
    internal static long MonthOf(long ms)
    {
        var date = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
        return ((date.Year - 1970) * 12L) + date.Month - 1;
    }

    /// <summary><see cref="MonthOf"/> in SQL, of a record's <c>time_ms</c>.</summary>
    private const string MonthSql =
        "((CAST(strftime('%Y', time_ms / 1000, 'unixepoch') AS INTEGER) - 1970) * 12 + CAST(strftime('%m', time_ms / 1000, 'unixepoch') AS INTEGER) - 1)";

    /// <summary>The day number (since 1970-01-01) on which a month begins.</summary>
    internal static long FirstDayOf(long month) =>
        (long)(new DateTime(1970 + (int)(month / 12), (int)(month % 12) + 1, 1, 0, 0, 0, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalDays;

    /// <summary>Where an open end of a range stops: 9999-12-31, a whole UTC day.</summary>
    private static readonly long EndOfTimeMs = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>Totals per source, model, account and reasoning effort of the records in [from, until) (null = open).</summary>
    public async Task<IReadOnlyList<RollupRow>> ReadRollupAsync(DateTimeOffset? from, DateTimeOffset? until, string? source, CancellationToken cancellationToken)
    {
        var span = RangeSpans.Of(from, until);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT source, model, account, effort, {SumSelect} FROM (
                -- One range per SELECT: an OR of ranges would make SQLite scan every hour of the level.
                SELECT source, model, account, effort, {SumColumns} FROM usage_rollups WHERE level = 0 AND unit >= $h1 AND unit < $h2
                UNION ALL
                SELECT source, model, account, effort, {SumColumns} FROM usage_rollups WHERE level = 0 AND unit >= $h3 AND unit < $h4
                UNION ALL
                SELECT source, model, account, effort, {SumColumns} FROM usage_rollups WHERE level = 1 AND unit >= $d1 AND unit < $d2
                UNION ALL
                SELECT source, model, account, effort, {SumColumns} FROM usage_rollups WHERE level = 1 AND unit >= $d3 AND unit < $d4
                UNION ALL
                SELECT source, model, account, effort, {SumColumns} FROM usage_rollups WHERE level = 4 AND unit >= $m1 AND unit < $m2
                UNION ALL
                SELECT source, COALESCE(model, ''), COALESCE(account, ''), COALESCE(reasoning_effort, ''), {RecordSums}
                FROM usage_records WHERE duplicate_of IS NULL AND ((time_ms >= $r1 AND time_ms < $r2) OR (time_ms >= $r3 AND time_ms < $r4))
            ){(source is null ? "" : " WHERE source = $source")}
            GROUP BY source, model, account, effort HAVING SUM(requests) > 0
            """;
        span.Bind(command);
        command.Parameters.AddWithValue("$source", (object?)source ?? DBNull.Value);
        var rows = new List<RollupRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new RollupRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), ReadTotals(reader, 4)));
        }

        return rows;
    }

    public async Task<(DateTimeOffset First, DateTimeOffset Last)?> ReadRecordHoursAsync(string? source, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(unit), MAX(unit) FROM usage_rollups WHERE level = 0" + (source is null ? "" : " AND source = $source");
        command.Parameters.AddWithValue("$source", (object?)source ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0)
            ? (DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0) * HourMs), DateTimeOffset.FromUnixTimeMilliseconds((reader.GetInt64(1) + 1) * HourMs))
            : null;
    }

    /// <summary>The time of the oldest record that counts, if any (where "all time" starts).</summary>
    public async Task<DateTimeOffset?> ReadFirstRecordTimeAsync(string? source, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(unit) FROM usage_rollups WHERE level = 0" + (source is null ? "" : " AND source = $source");
        command.Parameters.AddWithValue("$source", (object?)source ?? DBNull.Value);
        if (await command.ExecuteScalarAsync(cancellationToken) is not long hour)
        {
            return null;
        }

        command.CommandText = "SELECT MIN(time_ms) FROM usage_records WHERE time_ms >= $from AND time_ms < $until AND duplicate_of IS NULL"
            + (source is null ? "" : " AND source = $source");
        command.Parameters.AddWithValue("$from", hour * HourMs);
        command.Parameters.AddWithValue("$until", (hour + 1) * HourMs);
        return await command.ExecuteScalarAsync(cancellationToken) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>
    /// Totals per local hour (<paramref name="hourly"/>) or local day in <paramref name="zone"/>
    /// over [from, until); a point's key is the local hour or day number since 1970-01-01 local.
    /// Zones whose offsets are whole hours read the hourly rollups; the others (India, Nepal…)
    /// read 15-minute slots where a local hour or day begins inside a UTC hour.
    /// </summary>
    public async Task<IReadOnlyList<SeriesPoint>> ReadSeriesAsync(
        DateTimeOffset from, DateTimeOffset until, string? source, TimeZoneInfo zone, bool hourly, CancellationToken cancellationToken)
    {
        var fromMs = from.ToUnixTimeMilliseconds();
        var untilMs = until.ToUnixTimeMilliseconds();
        var slotOffsets = OffsetSpans(zone, fromMs / BucketMs, (untilMs / BucketMs) + 1);
        var wholeHours = slotOffsets.Select((o, i) => o.OffsetSlots % 4 == 0 && (i == 0 || o.StartSlot % 4 == 0)).All(ok => ok);

        // Local days in a zone whose offset is not whole hours (India, Nepal…) split only the UTC
        // hours a local midnight falls in: those are read as 15-minute slots, every other hour whole.
        var unitMs = wholeHours || !hourly ? HourMs : BucketMs;
        var firstUnit = CeilDiv(fromMs, unitMs);
        var lastUnit = Math.Max(firstUnit, untilMs / unitMs);
        var slotsPerPoint = (hourly ? HourMs : DayMs) / BucketMs;
        string LocalSlot(string slot) => slot + " + " + (slotOffsets.Count == 1
            ? slotOffsets[0].OffsetSlots.ToString(CultureInfo.InvariantCulture)
            : "CASE " + string.Concat(slotOffsets.Skip(1).Select((o, i) => $"WHEN {slot} < {o.StartSlot} THEN {slotOffsets[i].OffsetSlots} ")) + $"ELSE {slotOffsets[^1].OffsetSlots} END");
        var sourceFilter = source is null ? "" : " AND source = $source";
        string query;
        if (wholeHours || hourly)
        {
            var (level, slot) = wholeHours ? (2, "unit * 4") : (3, "unit");
            query = $"""
                SELECT ({LocalSlot(slot)}) / {slotsPerPoint}, {SumSelect} FROM usage_rollups
                WHERE level = {level} AND unit >= $first AND unit < $last{sourceFilter}
                GROUP BY 1 HAVING SUM(requests) > 0
                """;
        }
        else
        {
            var split = new List<long>();
            for (var hour = firstUnit; hour < lastUnit; hour++)
            {
                var offset = slotOffsets.Last(o => o.StartSlot <= hour * 4 || o == slotOffsets[0]).OffsetSlots;
                var changesInside = slotOffsets.Skip(1).Any(o => o.StartSlot > hour * 4 && o.StartSlot < (hour + 1) * 4); // a half-hour zone's clock change
                if ((((hour * 4) + offset) % 96 + 96) % 96 > 92 || changesInside)
                {
                    split.Add(hour);
                }
            }

            var hours = string.Join(", ", split);
            var slots = string.Join(", ", split.SelectMany(h => new[] { h * 4, (h * 4) + 1, (h * 4) + 2, (h * 4) + 3 }));
            query = $"""
                SELECT key, {SumSelect} FROM (
                    SELECT ({LocalSlot("unit * 4")}) / {slotsPerPoint} AS key, {SumColumns} FROM usage_rollups
                    WHERE level = 2 AND unit >= $first AND unit < $last AND unit NOT IN ({hours}){sourceFilter}
                    UNION ALL
                    SELECT ({LocalSlot("unit")}) / {slotsPerPoint} AS key, {SumColumns} FROM usage_rollups
                    WHERE level = 3 AND unit IN ({slots}){sourceFilter})
                GROUP BY key HAVING SUM(requests) > 0
                """;
        }

        var points = new Dictionary<long, SummaryCounts>();
        await using var connection = await OpenAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = query;
            command.Parameters.AddWithValue("$first", firstUnit);
            command.Parameters.AddWithValue("$last", lastUnit);
            command.Parameters.AddWithValue("$source", (object?)source ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                points[reader.GetInt64(0)] = ReadCounts(reader, 1);
            }
        }

        // The partial units at the edges come from the records, placed by their own local time.
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT time_ms, {RecordSums} FROM usage_records
                WHERE duplicate_of IS NULL AND ((time_ms >= $r1 AND time_ms < $r2) OR (time_ms >= $r3 AND time_ms < $r4)){(source is null ? "" : " AND source = $source")}
                """;
            var edgeEnd = Math.Min(firstUnit * unitMs, untilMs);
            command.Parameters.AddWithValue("$r1", fromMs);
            command.Parameters.AddWithValue("$r2", edgeEnd);
            command.Parameters.AddWithValue("$r3", Math.Max(lastUnit * unitMs, edgeEnd));
            command.Parameters.AddWithValue("$r4", untilMs);
            command.Parameters.AddWithValue("$source", (object?)source ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var time = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0));
                var local = time.ToUnixTimeMilliseconds() + (long)zone.GetUtcOffset(time).TotalMilliseconds;
                var key = Math.DivRem(local, hourly ? HourMs : DayMs).Quotient;
                var counts = ReadCounts(reader, 1);
                points[key] = points.TryGetValue(key, out var sum) ? sum.Plus(counts) : counts;
            }
        }

        return points.OrderBy(p => p.Key).Select(p => new SeriesPoint(p.Key, p.Value.ToTotals())).ToList();
    }

    internal static long CeilDiv(long value, long unit) => value <= 0 ? -(-value / unit) : ((value - 1) / unit) + 1;

    private static SummaryCounts ReadCounts(SqliteDataReader reader, int at) => new()
    {
        Requests = reader.GetInt64(at),
        InputTokens = reader.GetInt64(at + 1),
        CachedInputTokens = reader.GetInt64(at + 2),
        CacheWriteTokens = reader.GetInt64(at + 3),
        OutputTokens = reader.GetInt64(at + 4),
        ReasoningTokens = reader.GetInt64(at + 5),
        CostPicoUsd = reader.GetInt64(at + 6),
        UnpricedRequests = reader.GetInt64(at + 7),
        UnknownUsageRequests = reader.GetInt64(at + 8),
    };

    /// <summary>One record's share, in the order of <see cref="SumColumns"/>.</summary>
    private const string RecordSums = """
        1 AS requests, COALESCE(input_tokens, 0) AS input_tokens, COALESCE(cached_input_tokens, 0) AS cached_input_tokens,
        COALESCE(cache_write_tokens, 0) AS cache_write_tokens, COALESCE(output_tokens, 0) AS output_tokens,
        COALESCE(reasoning_tokens, 0) AS reasoning_tokens, COALESCE(cost_pusd, 0) AS cost_pusd,
        CASE WHEN (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) AND cost_pusd IS NULL THEN 1 ELSE 0 END AS unpriced_requests,
        CASE WHEN usage_state = 'Unknown' THEN 1 ELSE 0 END AS unknown_usage_requests
        """;

    /// <summary>
    /// A range as whole UTC months, whole days on either side of them, whole hours on either side
    /// of those, and the records of the partial hours at its edges.
    /// </summary>
    private readonly record struct RangeSpans(
        long H1, long H2, long H3, long H4, long D1, long D2, long D3, long D4, long M1, long M2, long R1, long R2, long R3, long R4)
    {
        public static RangeSpans Of(DateTimeOffset? from, DateTimeOffset? until)
        {
            var f = Math.Max(0, from?.ToUnixTimeMilliseconds() ?? 0);
            var u = Math.Max(f, Math.Min(until?.ToUnixTimeMilliseconds() ?? EndOfTimeMs, EndOfTimeMs));
            var fH = CeilDiv(f, HourMs);
            var uH = u / HourMs;
            if (fH >= uH)
            {
                return new RangeSpans(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, f, u, 0, 0);
            }

            var fD = CeilDiv(fH, 24);
            var uD = uH / 24;
            if (fD >= uD)
            {
                return new RangeSpans(fH, uH, 0, 0, 0, 0, 0, 0, 0, 0, f, fH * HourMs, uH * HourMs, u);
            }

            var fM = MonthOf(fD * DayMs);
            fM += FirstDayOf(fM) < fD ? 1 : 0;
            var uM = MonthOf(uD * DayMs);
            return fM < uM
                ? new RangeSpans(fH, fD * 24, uD * 24, uH, fD, FirstDayOf(fM), FirstDayOf(uM), uD, fM, uM, f, fH * HourMs, uH * HourMs, u)
                : new RangeSpans(fH, fD * 24, uD * 24, uH, fD, uD, 0, 0, 0, 0, f, fH * HourMs, uH * HourMs, u);
        }

        public void Bind(SqliteCommand command)
        {
            foreach (var (name, value) in new[]
            {
                ("$h1", H1), ("$h2", H2), ("$h3", H3), ("$h4", H4), ("$d1", D1), ("$d2", D2), ("$d3", D3), ("$d4", D4),
                ("$m1", M1), ("$m2", M2), ("$r1", R1), ("$r2", R2), ("$r3", R3), ("$r4", R4),
            })
            {
                command.Parameters.AddWithValue(name, value);
            }
        }
    }
}

/// <summary>Totals of one source, model, account and reasoning effort (each "" when unknown).</summary>
public sealed record RollupRow(string Source, string Model, string Account, string Effort, SummaryTotals Totals);

/// <summary>One point of a time series: its local hour or day number since 1970-01-01 (local), and its totals.</summary>
public sealed record SeriesPoint(long LocalUnit, SummaryTotals Totals);
