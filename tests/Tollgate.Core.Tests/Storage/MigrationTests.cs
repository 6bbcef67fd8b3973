using Microsoft.Data.Sqlite;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Tests.Storage;

/// <summary>Upgrading a database written by an earlier version keeps what it must and redoes what it must.</summary>
public sealed class MigrationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-migrate-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task FromTheFirstCodexLogSchema_GatewayRecordsAreKeptAndSummarized_AndCodexLogsAreReadAgain()
    {
        var path = Path.Combine(_dir.FullName, "old.db");
        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join('\n', Migrations.Steps.Take(4)) + """

                PRAGMA user_version = 4;
                INSERT INTO usage_records (id, time_ms, source, service, endpoint, method, status, model, stream, transport, latency_ms,
                    usage_state, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, cost_pusd, outcome, session_id, source_file)
                VALUES ('a', 1795435179000, 'gateway', 'openai', '/v1/responses', 'POST', 200, 'gpt-5', 1, 'http', 5, 'Reported', 100, 0, 10, 0, 7, 'Success', 's1', NULL),
                       ('b', 1795435179000, 'codex-log', 'codex', '/responses', 'POST', 200, 'gpt-5', 1, 'log', 0, 'Reported', 50, 0, 5, 0, 3, 'Success', 's2', '/h/f.jsonl');
                INSERT INTO codex_files (path, home, thread_id, offset, size, modified_ms, identity, updated_ms) VALUES ('/h/f.jsonl', '/h', 's2', 10, 10, 0, 'x', 0);
                """;
            await command.ExecuteNonQueryAsync(Ct);
        }

        var store = new SqliteUsageStore(path);
        await store.MigrateAsync(Ct);

        var days = await store.ReadDaysAsync(null, null, null, TimeZoneInfo.Utc, Ct);
        var day = Assert.Single(days);
        Assert.Equal((1L, 110L), (day.Totals.Requests, day.Totals.Tokens.TotalTokens)); // the gateway's call, summarized
        Assert.Empty(await store.ReadCodexFileStampsAsync(Ct)); // the logs will be read again, with sessions and messages
        Assert.Equal("s1", Assert.Single(await store.ReadSessionsAsync(null, null, null, Ct)).SessionId); // the gateway's session
        Assert.Empty(await store.ReadSessionsAsync(null, null, "codex-log", Ct));
    }

    /// <summary>
    /// Takes a store written by this version back to the shape it had before migration 14: each
    /// record and message with its rollout file's path, no <c>source_files</c>. A test that winds
    /// <c>user_version</c> back to an earlier step starts with it, so that the later steps run on
    /// the tables they were written for.
    /// </summary>
    private const string BeforeSourceFiles = """
        DROP INDEX ix_usage_records_source_id;
        ALTER TABLE usage_records ADD COLUMN source_file TEXT;
        UPDATE usage_records SET source_file = (SELECT s.path FROM source_files s WHERE s.source_id = usage_records.source_id);
        ALTER TABLE usage_records DROP COLUMN source_id;
        CREATE INDEX ix_usage_records_source_file ON usage_records(source_file) WHERE source_file IS NOT NULL;
        CREATE TABLE codex_messages_by_path (time_ms INTEGER NOT NULL, session_id TEXT, source_file TEXT NOT NULL);
        INSERT INTO codex_messages_by_path SELECT m.time_ms, m.session_id, s.path FROM codex_messages m JOIN source_files s ON s.source_id = m.source_id;
        DROP TABLE codex_messages;
        ALTER TABLE codex_messages_by_path RENAME TO codex_messages;
        CREATE INDEX ix_codex_messages_time ON codex_messages(time_ms);
        CREATE INDEX ix_codex_messages_source_file ON codex_messages(source_file);
        DROP TABLE source_files;

        """;

    [Fact]
    public async Task RolloutPaths_MoveToSourceFiles_AndEachRecordAndMessageKeepsItsFile()
    {
        // A store at step 13 holds the path in every Codex record and message.
        var path = Path.Combine(_dir.FullName, "paths.db");
        var store = new SqliteUsageStore(path);
        await store.MigrateAsync(Ct);
        var files = new[] { "/h/sessions/a.jsonl", "/h/sessions/b.jsonl", "/other/c.jsonl" };
        var records = new Tollgate.Testing.UsageRecordGenerator { Count = 90, Days = 5 }.Generate()
            .Select((r, i) => r.Source == "codex-log" ? r with { SourceFile = files[i % files.Length] } : r)
            .ToList();
        Assert.True(records.Count(r => r.SourceFile is not null) > 20, "the generator must make Codex records");
        await store.AppendAsync(records, Ct);
        var time = records[0].Time;
        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = BeforeSourceFiles + """
                INSERT INTO codex_files (path, home, thread_id, offset, size, modified_ms, identity, updated_ms)
                VALUES ('/h/sessions/a.jsonl', '/h', 'a', 1, 1, 0, 'x', 0), ('/h/sessions/b.jsonl', '/h', 'b', 1, 1, 0, 'x', 0),
                       ('/other/c.jsonl', '/other', 'c', 1, 1, 0, 'x', 0);
                INSERT INTO codex_messages (time_ms, session_id, source_file)
                VALUES ($t, 'a', '/h/sessions/a.jsonl'), ($t, 'a', '/h/sessions/a.jsonl'), ($t, 'b', '/h/sessions/b.jsonl'), ($t, 'c', '/other/c.jsonl');
                PRAGMA user_version = 13;
                """;
            command.Parameters.AddWithValue("$t", time.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(Ct);
        }

        SqliteConnection.ClearAllPools();
        store = new SqliteUsageStore(path);
        await store.MigrateAsync(Ct);

        var read = new Dictionary<Guid, string?>();
        await foreach (var r in store.ReadAsync(new UsageQuery(IncludeDuplicates: true), Ct))
        {
            read[r.Id] = r.SourceFile;
        }

        Assert.Equal(records.ToDictionary(r => r.Id, r => r.SourceFile), read);
        var (from, until) = (time.AddMinutes(-1), time.AddMinutes(1));
        Assert.Equal(3, await store.CountCodexMessagesAsync("/h", from, until, Ct));
        Assert.Equal(4, await store.CountCodexMessagesAsync(null, from, until, Ct));

        // Forgetting a file takes out its records, their share of the summaries and its messages, and nothing else.
        await store.ForgetCodexFileAsync("/h/sessions/a.jsonl", Ct);
        var left = new List<UsageRecord>();
        await foreach (var r in store.ReadAsync(new UsageQuery(IncludeDuplicates: true), Ct))
        {
            left.Add(r);
        }

        Assert.Equal(records.Where(r => r.SourceFile != "/h/sessions/a.jsonl").Select(r => r.Id).Order(), left.Select(r => r.Id).Order());
        Assert.Equal(left.Count(r => r.DuplicateOf is null), (await store.ReadDaysAsync(null, null, null, TimeZoneInfo.Utc, Ct)).Sum(d => d.Totals.Requests));
        Assert.Equal(1, await store.CountCodexMessagesAsync("/h", from, until, Ct));
        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT (SELECT COUNT(*) FROM pragma_table_info('usage_records') WHERE name = 'source_file')
                    + (SELECT COUNT(*) FROM pragma_table_info('codex_messages') WHERE name = 'source_file')
                    + (SELECT COUNT(*) FROM source_files WHERE path = '/h/sessions/a.jsonl')
                """;
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync(Ct))!);
        }
    }

    [Fact]
    public async Task TheSeriesAndMonthRollups_AreBuiltFromAStoreWrittenBeforeThem()
    {
        // A store at step 9 (hour and day rollups, 15-minute buckets) gets hour and 15-minute series rows by source, and months.
        var path = Path.Combine(_dir.FullName, "old.db");
        var store = new SqliteUsageStore(path);
        await store.MigrateAsync(Ct);
        var start = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
        var generator = new Tollgate.Testing.UsageRecordGenerator { Count = 400, Days = 75, End = start.AddDays(3) };
        await store.AppendAsync(generator.Generate().ToList(), Ct);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var before = await store.ReadSeriesAsync(start.AddDays(-1), start.AddDays(4), null, zone, hourly: true, Ct);
        var utcBefore = await store.ReadSeriesAsync(start.AddDays(-1), start.AddDays(4), null, TimeZoneInfo.Utc, hourly: false, Ct);
        var allBefore = await store.ReadRollupAsync(null, null, null, Ct);
        var rangeBefore = await store.ReadRollupAsync(start.AddDays(-70).AddMinutes(7), start.AddDays(2).AddHours(5), "gateway", Ct);
        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = BeforeSourceFiles + "DELETE FROM usage_rollups WHERE level >= 2; DROP INDEX ix_usage_records_time_id; CREATE INDEX ix_usage_records_time ON usage_records(time_ms); DROP TABLE session_totals; PRAGMA user_version = 9;";
            await command.ExecuteNonQueryAsync(Ct);
        }

        SqliteConnection.ClearAllPools();
        store = new SqliteUsageStore(path);
        await store.MigrateAsync(Ct);

        var after = await store.ReadSeriesAsync(start.AddDays(-1), start.AddDays(4), null, zone, hourly: true, Ct);
        var utcAfter = await store.ReadSeriesAsync(start.AddDays(-1), start.AddDays(4), null, TimeZoneInfo.Utc, hourly: false, Ct);
        Assert.Equal(400, allBefore.Sum(r => r.Totals.Requests));
        Assert.Equal(allBefore, await store.ReadRollupAsync(null, null, null, Ct));
        Assert.Equal(rangeBefore, await store.ReadRollupAsync(start.AddDays(-70).AddMinutes(7), start.AddDays(2).AddHours(5), "gateway", Ct));
        Assert.Equal(before, after);
        Assert.Equal(utcBefore, utcAfter);
    }

    [Fact]
    public async Task SessionTotals_AreBuiltFromAStoreWrittenBeforeThem_AndHoldEverySessionPart()
    {
        var path = Path.Combine(_dir.FullName, "sessions.db");
        var store = new SqliteUsageStore(path);
        await store.MigrateAsync(Ct);
        var records = new Tollgate.Testing.UsageRecordGenerator { Count = 600, Days = 20 }.Generate()
            .Select((r, i) => i % 7 == 0 ? r with { Model = i % 14 == 0 ? null : "odd;name,with\u001eall" } : i % 11 == 0 ? r with { Model = "modèle-日本-🚀" } : r) // unknown, awkward and multi-byte model names
            .ToList();
        await store.AppendAsync(records, Ct);
        var summaryRows = new List<(string Session, string Model, long First, long Last, string Sums)>();
        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            // Per session and model over both sources; first and last activity per session.
            command.CommandText = """
                SELECT p.session_id, p.model, s.first_ms, s.last_ms,
                    SUM(p.requests) || ',' || SUM(p.input_tokens) || ',' || SUM(p.cached_input_tokens) || ',' || SUM(p.cache_write_tokens) || ',' || SUM(p.output_tokens)
                    || ',' || SUM(p.reasoning_tokens) || ',' || SUM(p.cost_pusd) || ',' || SUM(p.unpriced_requests) || ',' || SUM(p.unknown_usage_requests)
                FROM session_summary p JOIN (SELECT session_id, MIN(first_ms) AS first_ms, MAX(last_ms) AS last_ms FROM session_summary WHERE requests > 0 GROUP BY session_id) s
                    ON s.session_id = p.session_id
                WHERE p.requests > 0 GROUP BY p.session_id, p.model
                """;
            await using (var reader = await command.ExecuteReaderAsync(Ct))
            {
                while (await reader.ReadAsync(Ct))
                {
                    summaryRows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
                }
            }
        }

        static List<(string, string, long, long, string)> Parts(IEnumerable<SessionUsage> sessions) => sessions
            .SelectMany(s => s.Models.Select((model, i) => (
                s.SessionId, model, s.FirstActivity.ToUnixTimeMilliseconds(), s.LastActivity.ToUnixTimeMilliseconds(),
                string.Join(',', s.Sums.Slice(i * SessionUsage.CountsPerModel, SessionUsage.CountsPerModel).ToArray())))) // all nine sums, in order
            .Order().ToList();
        var written = Parts(await store.ReadSessionsAsync(null, null, null, Ct));
        Assert.Equal(summaryRows.Order().ToList(), written);
        Assert.Contains(written, p => p.Item2 == "odd;name,with\u001eall");
        Assert.Contains(written, p => p.Item2 == "");
        Assert.Contains(written, p => p.Item2 == "modèle-日本-🚀");
        Assert.True(summaryRows.Select(r => r.Session).Distinct().Count() > 10, "the generator must make many sessions");

        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = BeforeSourceFiles + "DROP TABLE session_totals; PRAGMA user_version = 11;";
            await command.ExecuteNonQueryAsync(Ct);
        }

        SqliteConnection.ClearAllPools();
        store = new SqliteUsageStore(path);
        await store.MigrateAsync(Ct);

        Assert.Equal(written, Parts(await store.ReadSessionsAsync(null, null, null, Ct)));

        // A gateway of the version before migration 13, still running when a newer one migrated
        // the store, goes on packing parts as text: the rows it writes still read the same.
        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE session_totals SET parts = (
                    SELECT group_concat(hex(model) || ',' || first_ms || ',' || last_ms || ',' || requests || ',' || input_tokens || ',' || cached_input_tokens
                        || ',' || cache_write_tokens || ',' || output_tokens || ',' || reasoning_tokens || ',' || cost_pusd || ',' || unpriced_requests
                        || ',' || unknown_usage_requests, ';')
                    FROM session_summary p WHERE p.session_id = session_totals.session_id AND p.source = session_totals.source AND p.requests > 0);
                SELECT COUNT(*) FROM session_totals WHERE typeof(parts) <> 'text';
                """;
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync(Ct))!);
        }

        Assert.Equal(written, Parts(await store.ReadSessionsAsync(null, null, null, Ct)));
    }
}
