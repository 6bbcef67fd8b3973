using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>The embedded default store: one SQLite file in WAL mode, written by one writer in batches.</summary>
public sealed class SqliteUsageStore : IUsageStore
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

    /// <summary>The records, their summary rows and rate-limit snapshots, inside the caller's transaction.</summary>
    private static async Task AppendAsync(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<UsageRecord> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        InsertRecords(connection, tx, records);
        await connection.ExecuteAsync(UpsertSummarySql, Summarize(records), transaction: tx);
        var snapshots = records.Where(r => r.RateLimits is { IsEmpty: false }).Select(r => new
        {
            time_ms = r.RateLimits!.Time.ToUnixTimeMilliseconds(),
            source = r.Source,
            session_id = r.SessionId,
            plan_type = r.RateLimits.PlanType,
            snapshot_json = JsonSerializer.Serialize(r.RateLimits, StoreJson.Default.RateLimitSnapshot),
        }).ToList();
        if (snapshots.Count > 0)
        {
            await connection.ExecuteAsync(
                "INSERT INTO rate_limit_snapshots(time_ms, source, session_id, plan_type, snapshot_json) VALUES (@time_ms, @source, @session_id, @plan_type, @snapshot_json)",
                snapshots,
                transaction: tx);
        }
    }

    /// <summary>The rollout files ingested so far, with their cursors.</summary>
    public async Task<IReadOnlyDictionary<string, CodexFileState>> ReadCodexFilesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<CodexFileRow>(new CommandDefinition(
            "SELECT path AS Path, home AS Home, thread_id AS ThreadId, offset AS Offset, size AS Size, modified_ms AS ModifiedMs, identity AS Identity, state_json AS StateJson, malformed_lines AS MalformedLines, oversized_lines AS OversizedLines FROM codex_files",
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Path, r => new CodexFileState(
            r.Path,
            r.Home,
            r.ThreadId,
            new CodexLogs.RolloutCursor(r.Offset, r.Size, DateTimeOffset.FromUnixTimeMilliseconds(r.ModifiedMs), r.Identity,
                r.StateJson is null ? null : JsonSerializer.Deserialize(r.StateJson, StoreJson.Default.RolloutState)),
            (int)r.MalformedLines,
            (int)r.OversizedLines));
    }

    /// <summary>
    /// Stores what one read of a rollout file found, with its new cursor, in one transaction.
    /// With <paramref name="replace"/>, what was counted from the file before is taken out first
    /// (records and their summary rows): the file was truncated or rewritten.
    /// </summary>
    public async Task ApplyCodexFileAsync(CodexFileState file, IReadOnlyList<UsageRecord> records, bool replace, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        if (replace)
        {
            await RemoveFileRecordsAsync(connection, tx, file.Path);
        }

        await AppendAsync(connection, tx, records);
        await connection.ExecuteAsync(
            """
            INSERT INTO codex_files (path, home, thread_id, offset, size, modified_ms, identity, state_json, malformed_lines, oversized_lines, updated_ms)
            VALUES (@Path, @Home, @ThreadId, @Offset, @Size, @ModifiedMs, @Identity, @StateJson, @MalformedLines, @OversizedLines, @UpdatedMs)
            ON CONFLICT (path) DO UPDATE SET home = excluded.home, thread_id = excluded.thread_id, offset = excluded.offset, size = excluded.size,
                modified_ms = excluded.modified_ms, identity = excluded.identity, state_json = excluded.state_json,
                malformed_lines = excluded.malformed_lines, oversized_lines = excluded.oversized_lines, updated_ms = excluded.updated_ms
            """,
            new
            {
                file.Path,
                file.Home,
                file.ThreadId,
                file.Cursor.Offset,
                file.Cursor.Size,
                ModifiedMs = file.Cursor.ModifiedAt.ToUnixTimeMilliseconds(),
                file.Cursor.Identity,
                StateJson = file.Cursor.State is null ? null : JsonSerializer.Serialize(file.Cursor.State, StoreJson.Default.RolloutState),
                file.MalformedLines,
                file.OversizedLines,
                UpdatedMs = now.ToUnixTimeMilliseconds(),
            },
            tx);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Forgets a rollout file: its records, their summary share and its cursor (it is no longer the copy that counts, or it is gone).</summary>
    public async Task ForgetCodexFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await RemoveFileRecordsAsync(connection, tx, path);
        await connection.ExecuteAsync("DELETE FROM codex_files WHERE path = @path", new { path }, tx);
        await tx.CommitAsync(cancellationToken);
    }

    private static async Task RemoveFileRecordsAsync(SqliteConnection connection, SqliteTransaction tx, string path)
    {
        var old = new List<UsageRecord>();
        await using (var reader = await connection.ExecuteReaderAsync("SELECT * FROM usage_records WHERE source_file = @path", new { path }, tx))
        {
            var parser = reader.GetRowParser<RecordRow>();
            while (await reader.ReadAsync())
            {
                old.Add(FromRow(parser(reader)));
            }
        }

        if (old.Count == 0)
        {
            return;
        }

        // The summary is additive: take the removed records' share out of it.
        var negative = Summarize(old).Select(r => r with
        {
            Requests = -r.Requests,
            InputTokens = -r.InputTokens,
            CachedInputTokens = -r.CachedInputTokens,
            CacheWriteTokens = -r.CacheWriteTokens,
            OutputTokens = -r.OutputTokens,
            ReasoningTokens = -r.ReasoningTokens,
            CostPicoUsd = -r.CostPicoUsd,
            UnpricedRequests = -r.UnpricedRequests,
            UnknownUsageRequests = -r.UnknownUsageRequests,
        });
        await connection.ExecuteAsync(UpsertSummarySql, negative, tx);
        await connection.ExecuteAsync("DELETE FROM usage_records WHERE source_file = @path", new { path }, tx);
    }

    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var sql = "SELECT * FROM usage_records WHERE time_ms >= @from AND time_ms < @until"
            + (query.Source is null ? "" : " AND source = @source")
            + " ORDER BY time_ms, id";
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

    /// <summary>The summary rows (UTC days), for checks and fast totals.</summary>
    public async Task<IReadOnlyList<DailySummaryRow>> ReadDailySummaryAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DailySummaryRow>(new CommandDefinition(
            "SELECT day AS Day, model AS Model, source AS Source, requests AS Requests, input_tokens AS InputTokens, cached_input_tokens AS CachedInputTokens, cache_write_tokens AS CacheWriteTokens, output_tokens AS OutputTokens, reasoning_tokens AS ReasoningTokens, cost_pusd AS CostPicoUsd, unpriced_requests AS UnpricedRequests, unknown_usage_requests AS UnknownUsageRequests FROM daily_summary ORDER BY day, model, source",
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
            error_type, response_id, account, attempt, source_file)
        VALUES (@id, @time_ms, @source, @service, @endpoint, @method, @status, @model, @stream, @transport,
            @latency_ms, @ttfb_ms, @usage_state, @input_tokens, @cached_input_tokens, @cache_write_tokens, @cache_write_1h_tokens,
            @output_tokens, @reasoning_tokens, @usage_estimated, @cost_pusd, @session_id, @service_tier, @reasoning_effort, @outcome,
            @error_type, @response_id, @account, @attempt, @source_file)
        """;

    private const string UpsertSummarySql = """
        INSERT INTO daily_summary (day, model, source, requests, input_tokens, cached_input_tokens, cache_write_tokens,
            output_tokens, reasoning_tokens, cost_pusd, unpriced_requests, unknown_usage_requests)
        VALUES (@Day, @Model, @Source, @Requests, @InputTokens, @CachedInputTokens, @CacheWriteTokens,
            @OutputTokens, @ReasoningTokens, @CostPicoUsd, @UnpricedRequests, @UnknownUsageRequests)
        ON CONFLICT (day, model, source) DO UPDATE SET
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

    // The hot insert: one prepared command, rebound per record (Dapper would build a parameter
    // object per row). Column order follows RecordColumns.
    private static void InsertRecords(SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<UsageRecord> records)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = InsertRecordSql;
        var parameters = RecordColumns.Select(c => command.Parameters.Add(new SqliteParameter("@" + c, null))).ToArray();
        command.Prepare();
        foreach (var r in records)
        {
            object?[] values =
            [
                r.Id.ToString("N"), r.Time.ToUnixTimeMilliseconds(), r.Source, r.Service, r.Endpoint, r.Method, r.Status, r.Model,
                r.Stream ? 1 : 0, r.Transport, r.LatencyMs, r.TimeToFirstByteMs, r.UsageState.ToString(), r.Usage?.InputTokens,
                r.Usage?.CachedInputTokens, r.Usage?.CacheWriteTokens, r.Usage?.CacheWrite1hTokens, r.Usage?.OutputTokens,
                r.Usage?.ReasoningTokens, r.UsageEstimated ? 1 : 0, Money.ToPico(r.CostUsd), r.SessionId, r.ServiceTier,
                r.ReasoningEffort, r.Outcome.ToString(), r.ErrorType, r.ResponseId, r.Account, r.Attempt, r.SourceFile,
            ];
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
        }
    }

    private static readonly string[] RecordColumns =
    [
        "id", "time_ms", "source", "service", "endpoint", "method", "status", "model", "stream", "transport",
        "latency_ms", "ttfb_ms", "usage_state", "input_tokens", "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens",
        "output_tokens", "reasoning_tokens", "usage_estimated", "cost_pusd", "session_id", "service_tier", "reasoning_effort", "outcome",
        "error_type", "response_id", "account", "attempt", "source_file",
    ];

    private static IEnumerable<DailySummaryRow> Summarize(IReadOnlyList<UsageRecord> records) =>
        records
            .GroupBy(r => (Day: r.Time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Model: r.Model ?? "", r.Source))
            .Select(g => new DailySummaryRow
            {
                Day = g.Key.Day,
                Model = g.Key.Model,
                Source = g.Key.Source,
                Requests = g.Count(),
                InputTokens = g.Sum(r => r.Usage?.InputTokens ?? 0),
                CachedInputTokens = g.Sum(r => r.Usage?.CachedInputTokens ?? 0),
                CacheWriteTokens = g.Sum(r => r.Usage?.CacheWriteTokens ?? 0),
                OutputTokens = g.Sum(r => r.Usage?.OutputTokens ?? 0),
                ReasoningTokens = g.Sum(r => r.Usage?.ReasoningTokens ?? 0),
                CostPicoUsd = g.Sum(r => Money.ToPico(r.CostUsd) ?? 0),
                UnpricedRequests = g.Count(r => r.Usage is not null && r.CostUsd is null),
                UnknownUsageRequests = g.Count(r => r.UsageState == UsageState.Unknown),
            });

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
    };

#pragma warning disable IDE1006 // column names, mapped by Dapper
    private sealed record RecordRow(
        string id, long time_ms, string source, string service, string endpoint, string method, long status, string? model,
        long stream, string transport, double latency_ms, double? ttfb_ms, string usage_state, long? input_tokens,
        long? cached_input_tokens, long? cache_write_tokens, long? cache_write_1h_tokens, long? output_tokens,
        long? reasoning_tokens, long usage_estimated, long? cost_pusd, string? session_id, string? service_tier,
        string? reasoning_effort, string outcome, string? error_type, string? response_id, string? account, long? attempt, string? source_file);
#pragma warning restore IDE1006
}

/// <summary>A rollout file as the store knows it: where reading stopped and what it found.</summary>
public sealed record CodexFileState(string Path, string Home, string? ThreadId, CodexLogs.RolloutCursor Cursor, int MalformedLines, int OversizedLines);

internal sealed class CodexFileRow
{
    public string Path { get; init; } = "";
    public string Home { get; init; } = "";
    public string? ThreadId { get; init; }
    public long Offset { get; init; }
    public long Size { get; init; }
    public long ModifiedMs { get; init; }
    public string Identity { get; init; } = "";
    public string? StateJson { get; init; }
    public long MalformedLines { get; init; }
    public long OversizedLines { get; init; }
}

/// <summary>One row of the per-day, per-model, per-source summary (UTC days).</summary>
public sealed record DailySummaryRow
{
    public string Day { get; init; } = "";
    public string Model { get; init; } = "";
    public string Source { get; init; } = "";
    public long Requests { get; init; }
    public long InputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long OutputTokens { get; init; }
    public long ReasoningTokens { get; init; }
    public long CostPicoUsd { get; init; }
    public long UnpricedRequests { get; init; }
    public long UnknownUsageRequests { get; init; }
}
