using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>The embedded default store: one SQLite file in WAL mode, written by one writer in batches.</summary>
public sealed partial class SqliteUsageStore : IUsageStore
{
    private readonly SqliteDatabase _database;

    public SqliteUsageStore(string databasePath)
        : this(new SqliteDatabase(databasePath))
    {
    }

    public SqliteUsageStore(SqliteDatabase database) => _database = database;

    public string DatabasePath => _database.Path;

    public Task MigrateAsync(CancellationToken cancellationToken) => _database.MigrateAsync(cancellationToken);

    public async Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await AppendAsync(connection, tx, records);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The records, their share of the summaries and their rate-limit snapshots, inside the
    /// caller's transaction. A call metered both by the gateway and in a Codex log is counted
    /// once (<see cref="MatchDuplicatesAsync"/>).
    /// </summary>
    private static async Task AppendAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<UsageRecord> records, SourceFileIds? sources = null)
    {
        if (records.Count == 0)
        {
            return;
        }

        var (marked, superseded) = await MatchDuplicatesAsync(connection, tx, records);
        using (var own = sources is null ? new SourceFileIds(connection) : null)
        {
            InsertRecords(connection, marked, sources ?? own!);
        }

        await AddToSummariesAsync(connection, tx, marked.Where(r => r.DuplicateOf is null).ToList(), sign: 1);
        await AddToSummariesAsync(connection, tx, superseded, sign: -1);
        var snapshots = records.Where(r => r.RateLimits is { IsEmpty: false }).Select(r => new SnapshotRow(
            r.RateLimits!.Time.ToUnixTimeMilliseconds(),
            r.Source,
            r.SessionId,
            r.RateLimits.PlanType,
            StoreJsonWriter.Write(r.RateLimits),
            null)).ToList();
        InsertSnapshots(connection, snapshots);
    }

    private static void InsertSnapshots(SqliteConnection connection, IReadOnlyList<SnapshotRow> snapshots)
    {
        if (snapshots.Count == 0)
        {
            return;
        }

        using var insert = new BulkInsert(connection, "INSERT INTO rate_limit_snapshots (time_ms, source, session_id, plan_type, snapshot_json, source_file) VALUES (?, ?, ?, ?, ?, ?)");
        foreach (var s in snapshots)
        {
            insert.Add(s.TimeMs).Add(s.Source).Add(s.SessionId).Add(s.PlanType).Add(s.SnapshotJson).Add(s.SourceFile).Run();
        }
    }

    private sealed record SnapshotRow(long TimeMs, string Source, string? SessionId, string? PlanType, string SnapshotJson, string? SourceFile);

    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var sql = RecordSelect + " WHERE r.time_ms >= @from AND r.time_ms < @until"
            + (query.Source is null ? "" : " AND r.source = @source")
            + (query.IncludeDuplicates ? "" : " AND r.duplicate_of IS NULL")
            + " ORDER BY r.time_ms, r.id";
        var args = new
        {
            from = query.From?.ToUnixTimeMilliseconds() ?? long.MinValue,
            until = query.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue,
            source = query.Source,
        };
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
        var parser = reader.GetRowParser<RecordRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return FromRow(parser(reader));
        }
    }

    /// <summary>
    /// A page of the records that count, newest first: <see cref="RecordPage.Offset"/> records are
    /// skipped, at most <see cref="RecordPage.Limit"/> returned. Model and account match exactly;
    /// <see cref="RecordPage.Failed"/> keeps only (true) or leaves out (false) calls that did not succeed.
    /// </summary>
    public async Task<IReadOnlyList<UsageRecord>> ReadPageAsync(RecordPage page, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // The page's rows are picked by rowid first: without filters that walk is on the index alone,
        // so skipping 500,000 records costs tens of milliseconds, not a read of each one.
        var sql = RecordSelect + " WHERE r.rowid IN (SELECT rowid FROM usage_records WHERE time_ms >= @from AND time_ms < @until AND duplicate_of IS NULL"
            + (page.Source is null ? "" : " AND source = @Source")
            + (page.Model is null ? "" : " AND model = @Model")
            + (page.Account is null ? "" : " AND account = @Account")
            + (page.Failed switch { true => " AND outcome <> 'Success'", false => " AND outcome = 'Success'", null => "" })
            + " ORDER BY time_ms DESC, id DESC LIMIT @Limit OFFSET @Offset) ORDER BY r.time_ms DESC, r.id DESC";
        var args = new
        {
            from = page.From?.ToUnixTimeMilliseconds() ?? long.MinValue,
            until = page.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue,
            page.Source,
            page.Model,
            page.Account,
            page.Limit,
            page.Offset,
        };
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
        var parser = reader.GetRowParser<RecordRow>();
        var records = new List<UsageRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(FromRow(parser(reader)));
        }

        return records;
    }

    /// <summary>The summaries added up per UTC day, model and source, for checks and fast totals.</summary>
    public async Task<IReadOnlyList<DailySummaryRow>> ReadDailySummaryAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DailySummaryRow>(new CommandDefinition(
            """
            SELECT strftime('%Y-%m-%d', bucket * 900, 'unixepoch') AS Day, model AS Model, source AS Source, SUM(requests) AS Requests,
                SUM(input_tokens) AS InputTokens, SUM(cached_input_tokens) AS CachedInputTokens, SUM(cache_write_tokens) AS CacheWriteTokens,
                SUM(output_tokens) AS OutputTokens, SUM(reasoning_tokens) AS ReasoningTokens, SUM(cost_pusd) AS CostPicoUsd,
                SUM(unpriced_requests) AS UnpricedRequests, SUM(unknown_usage_requests) AS UnknownUsageRequests
            FROM usage_buckets GROUP BY Day, model, source HAVING SUM(requests) <> 0 ORDER BY Day, model, source
            """,
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The stored rate-limit snapshots, oldest first (the limits report builds on these).</summary>
    public async Task<IReadOnlyList<RateLimitSnapshot>> ReadRateLimitSnapshotsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var json = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT snapshot_json FROM rate_limit_snapshots ORDER BY time_ms, id", cancellationToken: cancellationToken));
        return json.Select(j => JsonSerializer.Deserialize(j, StoreJson.Default.RateLimitSnapshot)!).ToList();
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    private const string InsertRecordSql = """
        INSERT OR IGNORE INTO usage_records (id, time_ms, source, service, endpoint, method, status, model, stream, transport,
            latency_ms, ttfb_ms, usage_state, input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
            output_tokens, reasoning_tokens, usage_estimated, cost_pusd, session_id, service_tier, reasoning_effort, outcome,
            error_type, response_id, account, attempt, source_id, duplicate_of)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """;

    // The hot insert: one prepared statement bound by position (see BulkInsert); values in column order.
    private static void InsertRecords(SqliteConnection connection, IReadOnlyList<UsageRecord> records, SourceFileIds sources)
    {
        if (records.Count == 0)
        {
            return;
        }

        using var insert = new BulkInsert(connection, InsertRecordSql);
        foreach (var r in records)
        {
            insert.Add(RecordIds.Text(r.Id)).Add(r.Time.ToUnixTimeMilliseconds()).Add(r.Source).Add(r.Service).Add(r.Endpoint).Add(r.Method)
                .Add(r.Status).Add(r.Model).Add(r.Stream ? 1 : 0).Add(r.Transport).Add(r.LatencyMs).Add(r.TimeToFirstByteMs)
                .Add(r.UsageState.ToString()).Add(r.Usage?.InputTokens).Add(r.Usage?.CachedInputTokens).Add(r.Usage?.CacheWriteTokens)
                .Add(r.Usage?.CacheWrite1hTokens).Add(r.Usage?.OutputTokens).Add(r.Usage?.ReasoningTokens).Add(r.UsageEstimated ? 1 : 0)
                .Add(Money.ToPico(r.CostUsd)).Add(r.SessionId).Add(r.ServiceTier).Add(r.ReasoningEffort).Add(r.Outcome.ToString())
                .Add(r.ErrorType).Add(r.ResponseId).Add(r.Account).Add(r.Attempt).Add(sources.Of(r.SourceFile)).Add(r.DuplicateOf is { } duplicateOf ? RecordIds.Text(duplicateOf) : null)
                .Run();
        }
    }

    /// <summary>
    /// Every column of the records (<c>r</c>), in <see cref="RecordRow"/>'s order: the table's own,
    /// then the path of the rollout file a record was read from, which <c>source_files</c> keeps.
    /// </summary>
    private const string RecordSelect = "SELECT r.*, f.path AS source_file FROM usage_records r LEFT JOIN source_files f ON f.source_id = r.source_id";

    private static UsageRecord FromRow(RecordRow row) => new()
    {
        Id = Guid.ParseExact(row.id, "N"),
        Time = DateTimeOffset.FromUnixTimeMilliseconds(row.time_ms),
        Source = row.source,
        Service = row.service,
        Endpoint = row.endpoint,
        Method = row.method,
        Status = (int)row.status,
        Model = row.model,
        Stream = row.stream != 0,
        Transport = row.transport,
        LatencyMs = row.latency_ms,
        TimeToFirstByteMs = row.ttfb_ms,
        UsageState = Enum.Parse<UsageState>(row.usage_state),
        Usage = row.input_tokens is null && row.output_tokens is null ? null : new TokenUsage(
            row.input_tokens ?? 0,
            row.cached_input_tokens ?? 0,
            row.cache_write_tokens ?? 0,
            row.output_tokens ?? 0,
            row.reasoning_tokens ?? 0,
            row.cache_write_1h_tokens ?? 0),
        UsageEstimated = row.usage_estimated != 0,
        CostUsd = Money.FromPico(row.cost_pusd),
        SessionId = row.session_id,
        ServiceTier = row.service_tier,
        ReasoningEffort = row.reasoning_effort,
        Outcome = Enum.Parse<CallOutcome>(row.outcome),
        ErrorType = row.error_type,
        ResponseId = row.response_id,
        Account = row.account,
        Attempt = row.attempt is { } n ? (int)n : null,
        SourceFile = row.source_file,
        DuplicateOf = row.duplicate_of is { } d ? Guid.ParseExact(d, "N") : null,
    };

#pragma warning disable IDE1006 // column names, mapped by Dapper
    private sealed record RecordRow(
        string id, long time_ms, string source, string service, string endpoint, string method, long status, string? model,
        long stream, string transport, double latency_ms, double? ttfb_ms, string usage_state, long? input_tokens,
        long? cached_input_tokens, long? cache_write_tokens, long? cache_write_1h_tokens, long? output_tokens,
        long? reasoning_tokens, long usage_estimated, long? cost_pusd, string? session_id, string? service_tier,
        string? reasoning_effort, string outcome, string? error_type, string? response_id, string? account, long? attempt, string? duplicate_of, long? source_id, string? source_file);
#pragma warning restore IDE1006
}

/// <summary>One UTC day of one model and source, added up from the 15-minute summaries.</summary>
public sealed record DailySummaryRow : SummaryCounts
{
    public string Day { get; init; } = "";
    public string Model { get; init; } = "";
    public string Source { get; init; } = "";
}

/// <summary>Which records a page holds: a range (null = open), exact filters, and the page's size and start.</summary>
public sealed record RecordPage(DateTimeOffset? From, DateTimeOffset? Until, int Limit, int Offset = 0)
{
    public string? Source { get; init; }
    public string? Model { get; init; }
    public string? Account { get; init; }
    public bool? Failed { get; init; }
}
