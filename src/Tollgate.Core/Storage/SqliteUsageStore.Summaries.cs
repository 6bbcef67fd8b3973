using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>
/// The summaries reports read instead of the records: <c>usage_buckets</c> (15-minute UTC slots,
/// so a day in any time zone — all offsets are whole quarter hours — is a sum of whole slots),
/// <c>local_days</c> (whole days in one time zone, the one reports use most: see
/// <see cref="ReadDaysAsync"/>) and <c>session_summary</c> (with <c>session_totals</c>, its rows
/// per session packed, made again from it for each session a change touches). All are additive and change in the
/// same transaction as the records; a record counted elsewhere
/// (<see cref="UsageRecord.DuplicateOf"/>) is in none.
/// </summary>
public sealed partial class SqliteUsageStore
{
    /// <summary>The width of one <c>usage_buckets</c> slot.</summary>
    public const long BucketMs = 15 * 60 * 1000;

    /// <summary>How far apart the gateway's record and a Codex log's record of the same call may be.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(30);

    private const string GatewaySource = "gateway";
    private const string CodexLogSource = "codex-log";

    /// <summary>Adds (sign 1) or takes out (sign -1) the records' share of the summaries.</summary>
    private static async Task AddToSummariesAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<UsageRecord> records, int sign)
    {
        if (records.Count == 0)
        {
            return;
        }

        // One pass adds every record to each summary's rows, with class keys and the sums added in
        // this assembly's precompiled code. LINQ's GroupBy over value-tuple keys is generic code
        // the runtime compiles at first use, unoptimised, in a process as short as a first ingest:
        // the rollups alone took 90 ms of its 0.7 s of writing; all summaries now take 65-80 ms.
        var zone = await DayZoneAsync(connection, tx);
        var bucketSums = new SummarySums();
        var sessionSums = new SummarySums();
        var rollupSums = new SummarySums();
        var daySums = new SummarySums();
        foreach (var r in records)
        {
            var counts = new RecordCounts(r);
            var texts = new KeyTexts(r.Source, r.Model ?? "", r.Account ?? "", r.ReasoningEffort ?? "", r.SessionId);
            bucketSums.Add(texts.BySourceAndModel(0, counts.Ms / BucketMs), counts);
            if (r.SessionId is not null)
            {
                sessionSums.Add(texts.BySession(), counts);
            }

            foreach (var (level, unit, sourceOnly) in RollupLevels)
            {
                rollupSums.Add(sourceOnly ? texts.BySource(level, unit(counts.Ms)) : texts.ByAll(level, unit(counts.Ms)), counts);
            }

            if (zone is not null)
            {
                daySums.Add(texts.BySourceAndModel(0, LocalDay(r.Time, zone)), counts);
            }
        }

        var buckets = bucketSums.ToDeltas(sign);
        Upsert(connection, UpsertBucketSql, buckets, (insert, d) => insert.Add(d.Bucket).Add(d.Source).Add(d.Model));
        var sessions = sessionSums.ToDeltas(sign);
        Upsert(connection, UpsertSessionSql, sessions, (insert, d) => insert.Add(d.SessionId).Add(d.Source).Add(d.Model).Add(d.FirstMs).Add(d.LastMs));
        var rollups = rollupSums.ToDeltas(sign);
        Upsert(connection, UpsertRollupSql, rollups, (insert, d) => insert.Add(d.Level).Add(d.Bucket).Add(d.Source).Add(d.Model).Add(d.Account).Add(d.Effort));
        var days = daySums.ToDeltas(sign);
        Upsert(connection, UpsertDaySql, days, (insert, d) => insert.Add(d.Bucket).Add(d.Source).Add(d.Model));

        if (sign < 0)
        {
            await connection.ExecuteAsync("DELETE FROM usage_buckets WHERE bucket = @Bucket AND source = @Source AND model = @Model AND requests <= 0", buckets, tx);
            await connection.ExecuteAsync("DELETE FROM session_summary WHERE session_id = @SessionId AND source = @Source AND model = @Model AND requests <= 0", sessions, tx);
            await connection.ExecuteAsync("DELETE FROM local_days WHERE day = @Bucket AND source = @Source AND model = @Model AND requests <= 0", days, tx);
            await connection.ExecuteAsync(
                "DELETE FROM usage_rollups WHERE level = @Level AND unit = @Bucket AND source = @Source AND model = @Model AND account = @Account AND effort = @Effort AND requests <= 0",
                rollups,
                tx);
        }

        RefreshSessionTotals(connection, sessions); // session rows always carry their id
    }

    /// <summary>
    /// A part of <c>session_totals.parts</c>, as hex for <c>unhex(group_concat(…, ''))</c>: the
    /// model's length in bytes (4 bytes) and its UTF-8 bytes, then the sums in the order of
    /// <see cref="SumColumns"/> as 8-byte big-endian integers (read by <see cref="SessionParts"/>).
    /// </summary>
    private const string PackedPart = $"printf('%08x', length(CAST(model AS BLOB))) || hex(model) || printf('%016x%016x%016x%016x%016x%016x%016x%016x%016x', {SumColumns})";

    /// <summary>The <c>parts</c> of a <c>session_totals</c> row from the <c>session_summary</c> rows grouped into it.</summary>
    private const string PackedParts = $"unhex(group_concat({PackedPart}, ''))";

    /// <summary>Makes the <c>session_totals</c> row of each session with a changed part again from its <c>session_summary</c> rows (or removes it when none count).</summary>
    private static void RefreshSessionTotals(SqliteConnection connection, IReadOnlyList<SummaryDelta> parts)
    {
        var done = new HashSet<SessionSource>();
        using var remove = new BulkInsert(connection, "DELETE FROM session_totals WHERE session_id = ?1 AND source = ?2");
        using var insert = new BulkInsert(connection, $"""
            INSERT INTO session_totals (session_id, source, first_ms, last_ms, parts)
            SELECT session_id, source, MIN(first_ms), MAX(last_ms), {PackedParts}
            FROM session_summary WHERE session_id = ?1 AND source = ?2 AND requests > 0
            GROUP BY session_id, source
            """);
        foreach (var part in parts)
        {
            if (done.Add(new SessionSource(part.SessionId!, part.Source)))
            {
                remove.Add(part.SessionId).Add(part.Source).Run();
                insert.Add(part.SessionId).Add(part.Source).Run();
            }
        }
    }

    /// <summary>Runs an upsert for each delta through one prepared statement: its key columns first, then the sums.</summary>
    private static void Upsert(SqliteConnection connection, string sql, IReadOnlyList<SummaryDelta> deltas, Action<BulkInsert, SummaryDelta> key)
    {
        if (deltas.Count == 0)
        {
            return;
        }

        using var upsert = new BulkInsert(connection, sql);
        foreach (var d in deltas)
        {
            key(upsert, d);
            upsert.Add(d.Requests).Add(d.InputTokens).Add(d.CachedInputTokens).Add(d.CacheWriteTokens).Add(d.OutputTokens)
                .Add(d.ReasoningTokens).Add(d.CostPicoUsd).Add(d.UnpricedRequests).Add(d.UnknownUsageRequests).Run();
        }
    }

    private const string DayZoneKey = "local_days_zone";

    private static long LocalDay(DateTimeOffset time, TimeZoneInfo zone) => LocalCalendar.Date(zone, time).DayNumber;

    /// <summary>The zone <c>local_days</c> is kept in, read inside the writer's transaction (another process may have rebuilt it for another zone).</summary>
    private static async Task<TimeZoneInfo?> DayZoneAsync(SqliteConnection connection, SqliteTransaction? tx)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT value FROM store_meta WHERE key = '" + DayZoneKey + "'";
        return await command.ExecuteScalarAsync() is string id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
    }

    /// <summary>
    /// Fills <c>local_days</c> for <paramref name="zone"/> from the 15-minute slots, replacing what
    /// it held for another zone; from then on every write keeps it current.
    /// </summary>
    private async Task RebuildLocalDaysAsync(TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT MIN(bucket), MAX(bucket) FROM usage_buckets";
        long first = 0, last = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
            {
                (first, last) = (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        command.CommandText = $"""
            DELETE FROM local_days;
            INSERT INTO local_days (day, source, model, {SumColumns})
            SELECT ({LocalSlotSql(zone, first, last)}) / 96 + {DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber}, source, model, {SumSelect}
            FROM usage_buckets GROUP BY 1, source, model HAVING SUM(requests) > 0;
            INSERT INTO store_meta (key, value) VALUES ('{DayZoneKey}', $zone) ON CONFLICT (key) DO UPDATE SET value = excluded.value;
            """;
        command.Parameters.AddWithValue("$zone", zone.Id);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>A slot's local slot number in <paramref name="zone"/>, as SQL: the zone's offsets over the range become one <c>CASE</c>.</summary>
    private static string LocalSlotSql(TimeZoneInfo zone, long first, long last)
    {
        var offsets = OffsetSpans(zone, first, last);
        return "bucket + " + (offsets.Count == 1
            ? offsets[0].OffsetSlots.ToString(CultureInfo.InvariantCulture)
            : "CASE " + string.Concat(offsets.Skip(1).Select((o, i) => $"WHEN bucket < {o.StartSlot} THEN {offsets[i].OffsetSlots} ")) + $"ELSE {offsets[^1].OffsetSlots} END");
    }

    /// <summary>
    /// What a summary row is keyed by: a level and unit (slot, hour, day, month) or a session, a
    /// source and model, for rollups an account and effort. Its hash is made from
    /// <paramref name="textHash"/>, the hash of its texts, which <see cref="KeyTexts"/> works out
    /// once per record for all of that record's keys: hashing each key's texts again (as a
    /// record's own hash does) was half of adding up a first ingest's summaries.
    /// </summary>
    private sealed class SummaryKey(int level, long unit, string source, string model, string account, string effort, string? sessionId, int textHash)
        : IEquatable<SummaryKey>
    {
        public int Level { get; } = level;
        public long Unit { get; } = unit;
        public string Source { get; } = source;
        public string Model { get; } = model;
        public string Account { get; } = account;
        public string Effort { get; } = effort;
        public string? SessionId { get; } = sessionId;
        private int TextHash { get; } = textHash;

        public override int GetHashCode() => unchecked((((TextHash * 31) + Level) * 31) + Unit.GetHashCode());

        public override bool Equals(object? obj) => Equals(obj as SummaryKey);

        public bool Equals(SummaryKey? other) =>
            other is not null && other.Unit == Unit && other.Level == Level && other.TextHash == TextHash
            && other.Source == Source && other.Model == Model && other.Account == Account && other.Effort == Effort && other.SessionId == SessionId;
    }

    /// <summary>One record's key texts with their hashes, each worked out once, making the <see cref="SummaryKey"/>s the record adds to.</summary>
    private readonly struct KeyTexts
    {
        private static readonly int EmptyHash = string.Empty.GetHashCode();

        private readonly string _source, _model, _account, _effort;
        private readonly string? _sessionId;
        private readonly int _bySource, _bySourceAndModel, _byAll, _bySession;

        public KeyTexts(string source, string model, string account, string effort, string? sessionId)
        {
            (_source, _model, _account, _effort, _sessionId) = (source, model, account, effort, sessionId);
            int sourceHash = source.GetHashCode(), modelHash = model.GetHashCode();
            _bySource = Hash(sourceHash, EmptyHash, EmptyHash, EmptyHash, 0);
            _bySourceAndModel = Hash(sourceHash, modelHash, EmptyHash, EmptyHash, 0);
            _byAll = Hash(sourceHash, modelHash, account.GetHashCode(), effort.GetHashCode(), 0);
            _bySession = Hash(sourceHash, modelHash, EmptyHash, EmptyHash, sessionId?.GetHashCode() ?? 0);
        }

        public SummaryKey BySource(int level, long unit) => new(level, unit, _source, "", "", "", null, _bySource);

        public SummaryKey BySourceAndModel(int level, long unit) => new(level, unit, _source, _model, "", "", null, _bySourceAndModel);

        public SummaryKey ByAll(int level, long unit) => new(level, unit, _source, _model, _account, _effort, null, _byAll);

        public SummaryKey BySession() => new(0, 0, _source, _model, "", "", _sessionId, _bySession);

        /// <summary>One hash of a key's five texts (null as 0), the same for equal texts however the key was made.</summary>
        private static int Hash(int source, int model, int account, int effort, int session) =>
            unchecked((((((((source * 31) + model) * 31) + account) * 31) + effort) * 31) + session);
    }

    /// <summary>A record's numbers as every summary adds them (its cost turned into pico-dollars once).</summary>
    private readonly struct RecordCounts(UsageRecord r)
    {
        public readonly long Ms = r.Time.ToUnixTimeMilliseconds();
        public readonly long Input = r.Usage?.InputTokens ?? 0;
        public readonly long Cached = r.Usage?.CachedInputTokens ?? 0;
        public readonly long Write = r.Usage?.CacheWriteTokens ?? 0;
        public readonly long Output = r.Usage?.OutputTokens ?? 0;
        public readonly long Reasoning = r.Usage?.ReasoningTokens ?? 0;
        public readonly long Cost = Money.ToPico(r.CostUsd) ?? 0;
        public readonly long Unpriced = r.Usage is not null && r.CostUsd is null ? 1 : 0;
        public readonly long Unknown = r.UsageState == UsageState.Unknown ? 1 : 0;
    }

    /// <summary>The rows of one summary a batch of records adds to (or takes from), summed per key.</summary>
    private sealed class SummarySums
    {
        private readonly Dictionary<SummaryKey, Sums> _rows = [];

        public void Add(SummaryKey key, in RecordCounts c)
        {
            if (!_rows.TryGetValue(key, out var sums))
            {
                _rows.Add(key, sums = new Sums());
            }

            sums.Requests++;
            sums.Input += c.Input;
            sums.Cached += c.Cached;
            sums.Write += c.Write;
            sums.Output += c.Output;
            sums.Reasoning += c.Reasoning;
            sums.Cost += c.Cost;
            sums.Unpriced += c.Unpriced;
            sums.Unknown += c.Unknown;
            sums.First = Math.Min(sums.First, c.Ms);
            sums.Last = Math.Max(sums.Last, c.Ms);
        }

        public List<SummaryDelta> ToDeltas(int sign)
        {
            var deltas = new List<SummaryDelta>(_rows.Count);
            foreach (var (key, sums) in _rows)
            {
                deltas.Add(new SummaryDelta
                {
                    Level = key.Level,
                    Bucket = key.Unit,
                    Source = key.Source,
                    Model = key.Model,
                    Account = key.Account,
                    Effort = key.Effort,
                    SessionId = key.SessionId,
                    // Taking records out never moves a session's first or last activity (MIN/MAX keep the old ones).
                    FirstMs = sign > 0 ? sums.First : long.MaxValue,
                    LastMs = sign > 0 ? sums.Last : long.MinValue,
                    Requests = sign * sums.Requests,
                    InputTokens = sign * sums.Input,
                    CachedInputTokens = sign * sums.Cached,
                    CacheWriteTokens = sign * sums.Write,
                    OutputTokens = sign * sums.Output,
                    ReasoningTokens = sign * sums.Reasoning,
                    CostPicoUsd = sign * sums.Cost,
                    UnpricedRequests = sign * sums.Unpriced,
                    UnknownUsageRequests = sign * sums.Unknown,
                });
            }

            return deltas;
        }

        private sealed class Sums
        {
            public long Requests, Input, Cached, Write, Output, Reasoning, Cost, Unpriced, Unknown;
            public long First = long.MaxValue, Last = long.MinValue;
        }
    }

    private static string OtherSource(string source) => source == CodexLogSource ? GatewaySource : CodexLogSource;

    /// <summary>Whether any record of the source counts (month rollups hold every counted record).</summary>
    private static bool HasCounted(SqliteConnection connection, string source)
    {
        using var query = new RawQuery(connection, "SELECT 1 FROM usage_rollups WHERE level = 4 AND source = $source LIMIT 1");
        return query.Bind("$source", source).Read();
    }

    /// <summary>
    /// Finds, for records about to be stored, the same call already metered by the other
    /// source: same session, same input, cached, output and reasoning tokens, within
    /// <see cref="DuplicateWindow"/>, each matched at most once (nearest in time first). The
    /// gateway's record is the one that counts (it knows the account, the service tier and the
    /// latency): a new log record is marked as its duplicate, and a log record stored earlier
    /// is marked now and returned so its share leaves the summaries.
    /// </summary>
    private static async Task<(List<UsageRecord> Marked, List<UsageRecord> Superseded)> MatchDuplicatesAsync(
        SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<UsageRecord> records)
    {
        var marked = records.ToList();
        var superseded = new List<UsageRecord>();
        var windowMs = (long)DuplicateWindow.TotalMilliseconds;
        // Grouped by hand (see AddToSummariesAsync): this runs for every batch of a first ingest.
        var groups = new Dictionary<SessionSource, List<int>>();
        for (var i = 0; i < marked.Count; i++)
        {
            if (marked[i] is { SessionId: { } sessionId, Usage: not null, UsageEstimated: false, DuplicateOf: null, Source: GatewaySource or CodexLogSource } r)
            {
                var key = new SessionSource(sessionId, r.Source);
                if (!groups.TryGetValue(key, out var indexes))
                {
                    groups.Add(key, indexes = []);
                }

                indexes.Add(i);
            }
        }

        // A source that has stored nothing has no call to match: a first ingest of Codex logs
        // without a gateway, batch after batch. Its month rollups (a few rows) tell at once.
        if (!groups.Keys.Select(k => OtherSource(k.Source)).Distinct().Any(source => HasCounted(connection, source)))
        {
            return (marked, superseded);
        }

        // One query finds the sessions the other source has seen at all; only those are matched call
        // by call. session_summary answers from its key; the records' session index would walk
        // every call of a long session for each batch.
        var seen = new HashSet<SessionSource>();
        using (var query = new RawQuery(
            connection,
            "SELECT DISTINCT session_id, source FROM session_summary WHERE session_id IN (SELECT value FROM json_each($ids)) AND source IN ('gateway', 'codex-log')"))
        {
            query.Bind("$ids", JsonSerializer.Serialize(groups.Keys.Select(k => k.SessionId).Distinct().ToList(), StoreJson.Default.ListString));
            while (query.Read())
            {
                seen.Add(new SessionSource(Encoding.UTF8.GetString(query.Bytes(0)), Encoding.UTF8.GetString(query.Bytes(1))));
            }
        }

        foreach (var (key, indexes) in groups)
        {
            if (!seen.Contains(key with { Source = OtherSource(key.Source) }))
            {
                continue;
            }

            var fromLog = key.Source == CodexLogSource;
            var times = indexes.Select(i => marked[i].Time.ToUnixTimeMilliseconds()).ToList();
            var where = fromLog
                ? """
                  WHERE r.session_id = @session AND r.source = 'gateway' AND r.time_ms BETWEEN @min AND @max
                      AND r.input_tokens IS NOT NULL AND r.usage_estimated = 0
                      AND NOT EXISTS (SELECT 1 FROM usage_records d WHERE d.duplicate_of = r.id)
                  """
                : "WHERE r.session_id = @session AND r.source = 'codex-log' AND r.time_ms BETWEEN @min AND @max AND r.duplicate_of IS NULL";
            var candidates = new List<UsageRecord>();
            await using (var reader = await connection.ExecuteReaderAsync(RecordSelect + " " + where, new { session = key.SessionId, min = times.Min() - windowMs, max = times.Max() + windowMs }, tx))
            {
                var parser = reader.GetRowParser<RecordRow>();
                while (await reader.ReadAsync())
                {
                    candidates.Add(FromRow(parser(reader)));
                }
            }

            foreach (var index in indexes)
            {
                var record = marked[index];
                var match = candidates
                    .Where(c => SameCall(c, record) && (c.Time - record.Time).Duration() <= DuplicateWindow)
                    .OrderBy(c => (c.Time - record.Time).Duration())
                    .FirstOrDefault();
                if (match is null)
                {
                    continue;
                }

                candidates.Remove(match);
                if (fromLog)
                {
                    marked[index] = record with { DuplicateOf = match.Id };
                }
                else
                {
                    await connection.ExecuteAsync(
                        "UPDATE usage_records SET duplicate_of = @gateway WHERE id = @log",
                        new { gateway = RecordIds.Text(record.Id), log = RecordIds.Text(match.Id) },
                        tx);
                    superseded.Add(match);
                }
            }
        }

        return (marked, superseded);
    }

    /// <summary>A session as one source saw it.</summary>
    private sealed record SessionSource(string SessionId, string Source);

    private static bool SameCall(UsageRecord a, UsageRecord b) =>
        a.Usage is { } x && b.Usage is { } y
        && x.InputTokens == y.InputTokens && x.CachedInputTokens == y.CachedInputTokens
        && x.OutputTokens == y.OutputTokens && x.ReasoningTokens == y.ReasoningTokens;

    /// <summary>
    /// Sums per local day and model in <paramref name="zone"/>, between two instants (null =
    /// open): from <c>local_days</c> in the machine's zone, else each day from the rollups.
    /// </summary>
    public async Task<IReadOnlyList<DaySummary>> ReadDaysAsync(
        DateTimeOffset? from, DateTimeOffset? until, string? source, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        // Plain ADO.NET: a report is a short process, and Dapper's first use of a row type costs more than the query.
        await using var connection = await OpenAsync(cancellationToken);
        var dayZone = await DayZoneAsync(connection, null);
        if (dayZone is null || dayZone.Id != zone.Id)
        {
            if (zone.Id != TimeZoneInfo.Local.Id || !TimeZoneInfo.TryFindSystemTimeZoneById(zone.Id, out _))
            {
                return await ReadLocalPeriodsAsync(zone, from, until, source, day => day, day => day.AddDays(1), cancellationToken);
            }

            // The user's own zone (first report, or the machine's zone changed): keep whole days for it from now on.
            await RebuildLocalDaysAsync(zone, cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT day, model, {SumSelect} FROM local_days WHERE day >= $first AND day <= $last"
            + (source is null ? "" : " AND source = $source") + " GROUP BY day, model HAVING SUM(requests) > 0";
        command.Parameters.AddWithValue("$first", from is { } f ? LocalDay(f, zone) : long.MinValue);
        command.Parameters.AddWithValue("$last", until is { } u ? LocalDay(u, zone) - 1 : long.MaxValue);
        command.Parameters.AddWithValue("$source", (object?)source ?? DBNull.Value);
        var days = new List<DaySummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            days.Add(new DaySummary(DateOnly.FromDayNumber((int)reader.GetInt64(0)), reader.GetString(1), ReadTotals(reader, 2)));
        }

        return days;
    }

    /// <summary>The summed columns, in the order <see cref="ReadTotals"/> reads them.</summary>
    private const string SumSelect = "SUM(requests), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_pusd), SUM(unpriced_requests), SUM(unknown_usage_requests)";

    private static SummaryTotals ReadTotals(SqliteDataReader reader, int at) => new(
        reader.GetInt64(at),
        new TokenUsage(reader.GetInt64(at + 1), reader.GetInt64(at + 2), reader.GetInt64(at + 3), reader.GetInt64(at + 4), reader.GetInt64(at + 5)),
        Money.FromPico(reader.GetInt64(at + 6)),
        reader.GetInt64(at + 7),
        reader.GetInt64(at + 8));

    /// <summary>The zone's UTC offset, in slots, from each slot where it changes (the first entry starts at <paramref name="first"/>).</summary>
    internal static List<(long StartSlot, long OffsetSlots)> OffsetSpans(TimeZoneInfo zone, long first, long last)
    {
        long OffsetAt(long slot) => (long)(zone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(slot * BucketMs)).TotalMinutes / 15);
        var spans = new List<(long, long)> { (first, OffsetAt(first)) };
        const long day = 96;
        for (var probe = first; probe < last;)
        {
            var next = Math.Min(probe + day, last);
            var current = spans[^1].Item2;
            if (OffsetAt(next) != current)
            {
                // The change is somewhere in (probe, next]: find its first slot.
                long lo = probe, hi = next;
                while (hi - lo > 1)
                {
                    var mid = lo + ((hi - lo) / 2);
                    if (OffsetAt(mid) == current)
                    {
                        lo = mid;
                    }
                    else
                    {
                        hi = mid;
                    }
                }

                spans.Add((hi, OffsetAt(hi)));
                probe = hi;
            }
            else
            {
                probe = next;
            }
        }

        return spans;
    }

    private const string SumColumns = "requests, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_pusd, unpriced_requests, unknown_usage_requests";
    private const string SumValues = "?, ?, ?, ?, ?, ?, ?, ?, ?";
    private const string SumUpdates = """
        requests = requests + excluded.requests,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_pusd = cost_pusd + excluded.cost_pusd,
        unpriced_requests = unpriced_requests + excluded.unpriced_requests,
        unknown_usage_requests = unknown_usage_requests + excluded.unknown_usage_requests
        """;

    private const string UpsertBucketSql =
        $"INSERT INTO usage_buckets (bucket, source, model, {SumColumns}) VALUES (?, ?, ?, {SumValues}) ON CONFLICT (bucket, source, model) DO UPDATE SET {SumUpdates}";

    private const string UpsertRollupSql =
        $"INSERT INTO usage_rollups (level, unit, source, model, account, effort, {SumColumns}) VALUES (?, ?, ?, ?, ?, ?, {SumValues}) ON CONFLICT (level, unit, source, model, account, effort) DO UPDATE SET {SumUpdates}";

    private const string UpsertDaySql =
        $"INSERT INTO local_days (day, source, model, {SumColumns}) VALUES (?, ?, ?, {SumValues}) ON CONFLICT (day, source, model) DO UPDATE SET {SumUpdates}";

    private const string UpsertSessionSql =
        $"""
        INSERT INTO session_summary (session_id, source, model, first_ms, last_ms, {SumColumns}) VALUES (?, ?, ?, ?, ?, {SumValues})
        ON CONFLICT (session_id, source, model) DO UPDATE SET first_ms = MIN(first_ms, excluded.first_ms), last_ms = MAX(last_ms, excluded.last_ms), {SumUpdates}
        """;

    private sealed record SummaryDelta : SummaryCounts
    {
        public long Bucket { get; init; }
        public int Level { get; init; }
        public string Account { get; init; } = "";
        public string Effort { get; init; } = "";
        public string? SessionId { get; init; }
        public string Source { get; init; } = "";
        public string Model { get; init; } = "";
        public long FirstMs { get; init; }
        public long LastMs { get; init; }
    }
}

/// <summary>The summed columns every summary row has.</summary>
public record SummaryCounts
{
    public long Requests { get; init; }
    public long InputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long OutputTokens { get; init; }
    public long ReasoningTokens { get; init; }
    public long CostPicoUsd { get; init; }
    public long UnpricedRequests { get; init; }
    public long UnknownUsageRequests { get; init; }

    public SummaryCounts Plus(SummaryCounts other) => new()
    {
        Requests = Requests + other.Requests,
        InputTokens = InputTokens + other.InputTokens,
        CachedInputTokens = CachedInputTokens + other.CachedInputTokens,
        CacheWriteTokens = CacheWriteTokens + other.CacheWriteTokens,
        OutputTokens = OutputTokens + other.OutputTokens,
        ReasoningTokens = ReasoningTokens + other.ReasoningTokens,
        CostPicoUsd = CostPicoUsd + other.CostPicoUsd,
        UnpricedRequests = UnpricedRequests + other.UnpricedRequests,
        UnknownUsageRequests = UnknownUsageRequests + other.UnknownUsageRequests,
    };

    public SummaryTotals ToTotals() => new(
        Requests,
        new TokenUsage(InputTokens, CachedInputTokens, CacheWriteTokens, OutputTokens, ReasoningTokens),
        Money.FromPico(CostPicoUsd),
        UnpricedRequests,
        UnknownUsageRequests);
}

/// <summary>Summed counts: requests, tokens, cost (priced calls only), and how many calls are unpriced or of unknown usage.</summary>
public sealed record SummaryTotals(long Requests, TokenUsage Tokens, decimal CostUsd, long UnpricedRequests, long UnknownUsageRequests);

/// <summary>One local day of one model (model "" = unknown).</summary>
public sealed record DaySummary(DateOnly Day, string Model, SummaryTotals Totals);


