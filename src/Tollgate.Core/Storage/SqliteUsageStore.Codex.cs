using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>What the Codex log ingester keeps: file cursors, sessions, user messages and the latest usage limits per file.</summary>
public sealed partial class SqliteUsageStore
{
    /// <summary>
    /// The size and modification time each ingested rollout file had when it was last read (all
    /// a run needs to pass over the files that did not change), with its home and thread. Read
    /// before every report, so with a plain command (Dapper's first use per row type costs more
    /// than these rows).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CodexFileStamp>> ReadCodexFileStampsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT path, size, modified_ms, home, thread_id FROM codex_files";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var files = new Dictionary<string, CodexFileStamp>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            files[reader.GetString(0)] = new CodexFileStamp(
                reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
        }

        return files;
    }

    /// <summary>Everything stored about one rollout file, counter state included, to carry on reading where it stopped; null if it is not known.</summary>
    public async Task<CodexFileState?> ReadCodexFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT home, thread_id, offset, size, modified_ms, identity, state_json, malformed_lines, oversized_lines FROM codex_files WHERE path = $path";
        command.Parameters.AddWithValue("$path", path);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var state = reader.IsDBNull(6) ? null : JsonSerializer.Deserialize(reader.GetString(6), StoreJson.Default.RolloutState);
        return new CodexFileState(
            path,
            reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            new RolloutCursor(reader.GetInt64(2), reader.GetInt64(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(5), state),
            (int)reader.GetInt64(7),
            (int)reader.GetInt64(8));
    }

    /// <summary>
    /// Stores what reads of rollout files found, each with its new cursor and its session's row,
    /// in one transaction (one per file would cost more than the reading). With
    /// <see cref="CodexFileUpdate.Replace"/>, what was counted from a file before is taken out
    /// first (records, their summary share, messages, limits): it was truncated or rewritten.
    /// </summary>
    public async Task ApplyCodexFilesAsync(IReadOnlyList<CodexFileUpdate> updates, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using (var cache = connection.CreateCommand())
        {
            // A whole history arrives in a few big transactions: keep the indexes' pages in memory (32 MiB, used only as needed).
            cache.CommandText = "PRAGMA cache_size = -32768";
            await cache.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var update in updates.Where(u => u.Replace))
        {
            await RemoveFileRecordsAsync(connection, tx, update.File.Path);
        }

        // The whole batch at once: one insert loop, one summary upsert per slot and session, one
        // statement per table reused for every file.
        using var sources = new SourceFileIds(connection);
        await AppendAsync(connection, tx, updates.SelectMany(u => u.Found.Records).ToList(), sources);
        using (var messages = new BulkInsert(connection, "INSERT INTO codex_messages (time_ms, session_id, source_id) VALUES (?, ?, ?)"))
        {
            foreach (var update in updates)
            {
                foreach (var sent in update.Found.Messages)
                {
                    messages.Add(sent.ToUnixTimeMilliseconds()).Add(update.File.ThreadId).Add(sources.Of(update.File.Path)).Run();
                }
            }
        }

        // Only the latest snapshot of a file matters: it supersedes the ones read before.
        var limits = updates.Where(u => u.Found.RateLimits is { IsEmpty: false }).ToList();
        using (var remove = new BulkInsert(connection, "DELETE FROM rate_limit_snapshots WHERE source_file = ?"))
        {
            foreach (var u in limits)
            {
                remove.Add(u.File.Path).Run();
            }
        }

        InsertSnapshots(connection, limits.Select(u => new SnapshotRow(
            u.Found.RateLimits!.Time.ToUnixTimeMilliseconds(), CodexLogSource, u.File.ThreadId, u.Found.RateLimits.PlanType,
            StoreJsonWriter.Write(u.Found.RateLimits), u.File.Path)).ToList());

        UpsertSessions(connection, updates);
        UpsertCursors(connection, updates, now);
        await tx.CommitAsync(cancellationToken);
    }

    private static void UpsertSessions(SqliteConnection connection, IReadOnlyList<CodexFileUpdate> updates)
    {
        using var upsert = new BulkInsert(connection, """
            INSERT INTO codex_sessions (id, home, file, cwd, originator, cli_version, model, effort, forked_from, first_prompt,
                started_ms, last_activity_ms, calls, total_tokens, context_window, last_input_tokens)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            ON CONFLICT (id) DO UPDATE SET home = excluded.home, file = excluded.file, cwd = excluded.cwd, originator = excluded.originator,
                cli_version = excluded.cli_version, model = excluded.model, effort = excluded.effort, forked_from = excluded.forked_from,
                first_prompt = excluded.first_prompt, started_ms = excluded.started_ms, last_activity_ms = excluded.last_activity_ms,
                calls = CASE WHEN ?17 THEN excluded.calls ELSE calls + excluded.calls END,
                total_tokens = CASE WHEN ?17 THEN excluded.total_tokens ELSE total_tokens + excluded.total_tokens END,
                context_window = excluded.context_window, last_input_tokens = excluded.last_input_tokens
            """);
        foreach (var u in updates.Where(u => u.File.ThreadId is not null && u.File.Cursor.State is not null))
        {
            var s = u.File.Cursor.State!;
            upsert.Add(u.File.ThreadId).Add(u.File.Home).Add(u.File.Path).Add(s.Cwd).Add(s.Originator).Add(s.CliVersion).Add(s.Model).Add(s.Effort)
                .Add(s.ForkedFrom).Add(s.FirstPrompt).Add(s.StartedAt?.ToUnixTimeMilliseconds()).Add(s.LastActivity?.ToUnixTimeMilliseconds())
                .Add(u.Found.Records.Count).Add(u.Found.Records.Sum(r => r.Usage?.TotalTokens ?? 0)).Add(s.ContextWindow).Add(s.LastInputTokens)
                .Add(u.Replace ? 1 : 0).Run();
        }
    }

    /// <summary>Each file's cursor, counts of skipped lines and the time it was read.</summary>
    private static void UpsertCursors(SqliteConnection connection, IReadOnlyList<CodexFileUpdate> updates, DateTimeOffset now)
    {
        using var upsert = new BulkInsert(connection, """
            INSERT INTO codex_files (path, home, thread_id, offset, size, modified_ms, identity, state_json, malformed_lines, oversized_lines, updated_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (path) DO UPDATE SET home = excluded.home, thread_id = excluded.thread_id, offset = excluded.offset, size = excluded.size,
                modified_ms = excluded.modified_ms, identity = excluded.identity, state_json = excluded.state_json,
                malformed_lines = excluded.malformed_lines, oversized_lines = excluded.oversized_lines, updated_ms = excluded.updated_ms
            """);
        foreach (var u in updates)
        {
            var cursor = u.File.Cursor;
            upsert.Add(u.File.Path).Add(u.File.Home).Add(u.File.ThreadId).Add(cursor.Offset).Add(cursor.Size).Add(cursor.ModifiedAt.ToUnixTimeMilliseconds())
                .Add(cursor.Identity).Add(cursor.State is null ? null : StoreJsonWriter.Write(cursor.State))
                .Add(u.File.MalformedLines).Add(u.File.OversizedLines).Add(now.ToUnixTimeMilliseconds()).Run();
        }
    }

    /// <summary>Forgets a rollout file: its records, their summary share, its session, messages, limits and cursor (it is no longer the copy that counts, or it is gone).</summary>
    public async Task ForgetCodexFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await RemoveFileRecordsAsync(connection, tx, path);
        await connection.ExecuteAsync(
            "DELETE FROM codex_sessions WHERE file = @path; DELETE FROM codex_files WHERE path = @path; DELETE FROM source_files WHERE path = @path",
            new { path },
            tx);
        await tx.CommitAsync(cancellationToken);
    }

    private static async Task RemoveFileRecordsAsync(SqliteConnection connection, SqliteTransaction tx, string path)
    {
        var old = new List<UsageRecord>();
        await using (var reader = await connection.ExecuteReaderAsync(RecordSelect + " WHERE f.path = @path AND r.duplicate_of IS NULL", new { path }, tx))
        {
            var parser = reader.GetRowParser<RecordRow>();
            while (await reader.ReadAsync())
            {
                old.Add(FromRow(parser(reader)));
            }
        }

        // The summaries are additive: take the counted records' share out of them (duplicates never were in).
        await AddToSummariesAsync(connection, tx, old, sign: -1);
        await connection.ExecuteAsync(
            """
            DELETE FROM usage_records WHERE source_id = (SELECT source_id FROM source_files WHERE path = @path);
            DELETE FROM codex_messages WHERE source_id = (SELECT source_id FROM source_files WHERE path = @path);
            DELETE FROM rate_limit_snapshots WHERE source_file = @path;
            """,
            new { path },
            tx);
    }

    /// <summary>Codex sessions, most recent activity first; with <paramref name="activeSince"/>, only those active since then.</summary>
    public async Task<IReadOnlyList<CodexSession>> ReadCodexSessionsAsync(DateTimeOffset? activeSince, CancellationToken cancellationToken)
    {
        // A plain reader, not Dapper: this runs once per CLI process, where Dapper's first-use code generation costs more than the query.
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, home, file, cwd, originator, cli_version, model, effort, forked_from, first_prompt, started_ms,
                last_activity_ms, calls, total_tokens, context_window, last_input_tokens
            FROM codex_sessions WHERE $since IS NULL OR last_activity_ms >= $since ORDER BY last_activity_ms DESC
            """;
        command.Parameters.AddWithValue("$since", activeSince is { } since ? since.ToUnixTimeMilliseconds() : DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<CodexSession>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            long? Number(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            sessions.Add(new CodexSession(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(3), Text(4), Text(5), Text(6), Text(7), Text(8), Text(9),
                Number(10) is { } started ? DateTimeOffset.FromUnixTimeMilliseconds(started) : null,
                Number(11) is { } last ? DateTimeOffset.FromUnixTimeMilliseconds(last) : null,
                reader.GetInt64(12), reader.GetInt64(13), Number(14), Number(15)));
        }

        return sessions;
    }

    /// <summary>The latest usage-limit snapshot of each Codex home (from its logs) and the gateway's latest, newest first.</summary>
    public async Task<IReadOnlyList<LimitsSeen>> ReadLatestLimitsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(string Source, string? Home, string Json)>(new CommandDefinition(
            """
            SELECT s.source, f.home, s.snapshot_json FROM rate_limit_snapshots s JOIN codex_files f ON f.path = s.source_file
            WHERE s.source = 'codex-log' ORDER BY s.time_ms DESC
            """,
            cancellationToken: cancellationToken))).AsList();
        rows.AddRange(await connection.QueryAsync<(string Source, string? Home, string Json)>(new CommandDefinition(
            "SELECT source, NULL, snapshot_json FROM rate_limit_snapshots WHERE source = 'gateway' ORDER BY time_ms DESC LIMIT 200",
            cancellationToken: cancellationToken)));
        var latest = new List<LimitsSeen>();
        foreach (var (source, home, json) in rows)
        {
            var snapshot = JsonSerializer.Deserialize(json, StoreJson.Default.RateLimitSnapshot);
            if (snapshot is { Windows.Count: > 0 } && !latest.Any(l => l.Source == source && l.Home == home && l.Snapshot.Account == snapshot.Account))
            {
                latest.Add(new LimitsSeen(source, home, snapshot));
            }
        }

        return latest;
    }

    /// <summary>How many messages the user sent in Codex (per home, or in all homes) in a time range.</summary>
    public async Task<long> CountCodexMessagesAsync(string? home, DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            home is null
                ? "SELECT COUNT(*) FROM codex_messages WHERE time_ms >= @from AND time_ms < @until"
                : "SELECT COUNT(*) FROM codex_messages m JOIN source_files s ON s.source_id = m.source_id JOIN codex_files f ON f.path = s.path WHERE f.home = @home AND m.time_ms >= @from AND m.time_ms < @until",
            new { home, from = from.ToUnixTimeMilliseconds(), until = until.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
    }

    /// <summary>How many calls through the gateway for one ChatGPT account (<see cref="RateLimitSnapshot.Account"/>) brought back its limits in a time range.</summary>
    public async Task<long> CountGatewayCallsOfAccountAsync(string account, DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM rate_limit_snapshots WHERE source = 'gateway' AND time_ms >= @from AND time_ms < @until AND json_extract(snapshot_json, '$.account') = @account",
            new { account, from = from.ToUnixTimeMilliseconds(), until = until.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
    }

    /// <summary>How many calls through the gateway were answered with usage in a time range (failed attempts are not messages).</summary>
    public async Task<long> CountGatewayRequestsAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM usage_records WHERE time_ms >= @from AND time_ms < @until AND source = 'gateway' AND input_tokens IS NOT NULL",
            new { from = from.ToUnixTimeMilliseconds(), until = until.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
    }
}

/// <summary>A rollout file as the store knows it: where reading stopped and what it found.</summary>
public sealed record CodexFileState(string Path, string Home, string? ThreadId, RolloutCursor Cursor, int MalformedLines, int OversizedLines);

/// <summary>A rollout file's size and modification time as last read, the home it was read in and its thread.</summary>
public sealed record CodexFileStamp(long Size, DateTimeOffset Modified, string Home, string? ThreadId);

/// <summary>One file's share of an ingestion batch.</summary>
public sealed record CodexFileUpdate(CodexFileState File, CodexFileFindings Found, bool Replace);

/// <summary>What one read of a rollout file found besides its cursor.</summary>
public sealed record CodexFileFindings(IReadOnlyList<UsageRecord> Records, IReadOnlyList<DateTimeOffset> Messages, RateLimitSnapshot? RateLimits);

/// <summary>One Codex session (thread) as its rollout file describes it.</summary>
public sealed record CodexSession(
    string Id,
    string Home,
    string File,
    string? Cwd,
    string? Originator,
    string? CliVersion,
    string? Model,
    string? Effort,
    string? ForkedFrom,
    string? FirstPrompt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LastActivity,
    long Calls,
    long TotalTokens,
    long? ContextWindow,
    long? LastInputTokens)
{
    /// <summary>How full the context window was at the last call (0–1), when both are known.</summary>
    public double? ContextUse => CodexLogs.RolloutSummary.Use(ContextWindow, LastInputTokens);

    /// <summary>True when the id, folder, first prompt or model contains the text (case ignored); everything matches no text.</summary>
    public bool Matches(string? search) =>
        string.IsNullOrWhiteSpace(search)
        || new[] { Id, Cwd, FirstPrompt, Model }.Any(v => v?.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase) == true);
}

/// <summary>The latest usage limits one source saw: a Codex home's logs (<see cref="Home"/> set) or the gateway.</summary>
public sealed record LimitsSeen(string Source, string? Home, RateLimitSnapshot Snapshot);
