namespace Tollgate.Core.Storage;

/// <summary>
/// The schema, as an append-only list of steps. <c>PRAGMA user_version</c> records how many
/// have run; a step, once released, is never edited — a change is a new step.
/// </summary>
internal static class Migrations
{
    public static readonly string[] Steps =
    [
        """
        CREATE TABLE usage_records (
            id TEXT PRIMARY KEY,
            time_ms INTEGER NOT NULL,
            source TEXT NOT NULL,
            service TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            method TEXT NOT NULL,
            status INTEGER NOT NULL,
            model TEXT,
            stream INTEGER NOT NULL,
            transport TEXT NOT NULL,
            latency_ms REAL NOT NULL,
            ttfb_ms REAL,
            usage_state TEXT NOT NULL,
            input_tokens INTEGER,
            cached_input_tokens INTEGER,
            cache_write_tokens INTEGER,
            cache_write_1h_tokens INTEGER,
            output_tokens INTEGER,
            reasoning_tokens INTEGER,
            usage_estimated INTEGER NOT NULL DEFAULT 0,
            cost_pusd INTEGER,
            session_id TEXT,
            service_tier TEXT,
            reasoning_effort TEXT,
            outcome TEXT NOT NULL,
            error_type TEXT,
            response_id TEXT,
            account TEXT
        );
        CREATE INDEX ix_usage_records_time ON usage_records(time_ms);
        CREATE INDEX ix_usage_records_session ON usage_records(session_id, time_ms);

        CREATE TABLE daily_summary (
            day TEXT NOT NULL,
            model TEXT NOT NULL,
            source TEXT NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cost_pusd INTEGER NOT NULL,
            unpriced_requests INTEGER NOT NULL,
            unknown_usage_requests INTEGER NOT NULL,
            PRIMARY KEY (day, model, source)
        ) WITHOUT ROWID;

        CREATE TABLE rate_limit_snapshots (
            id INTEGER PRIMARY KEY,
            time_ms INTEGER NOT NULL,
            source TEXT NOT NULL,
            session_id TEXT,
            plan_type TEXT,
            snapshot_json TEXT NOT NULL
        );
        CREATE INDEX ix_rate_limit_snapshots_time ON rate_limit_snapshots(time_ms);
        """,
        """
        CREATE TABLE vault (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            format_version INTEGER NOT NULL,
            kdf TEXT NOT NULL,
            salt BLOB,
            memory_kib INTEGER,
            iterations INTEGER,
            parallelism INTEGER,
            verifier BLOB NOT NULL,
            changed_ms INTEGER NOT NULL
        );

        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL COLLATE NOCASE UNIQUE,
            provider TEXT NOT NULL,
            base_url TEXT NOT NULL,
            credential_cipher BLOB,
            credential_env TEXT,
            key_fingerprint TEXT,
            organization TEXT,
            project TEXT,
            extra_headers_json TEXT,
            models_json TEXT,
            model_map_json TEXT,
            priority INTEGER NOT NULL DEFAULT 0,
            weight INTEGER NOT NULL DEFAULT 1,
            daily_token_limit INTEGER,
            monthly_token_limit INTEGER,
            daily_usd_limit_pusd INTEGER,
            monthly_usd_limit_pusd INTEGER,
            enabled INTEGER NOT NULL DEFAULT 1,
            pool TEXT,
            tags_json TEXT,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL
        );

        CREATE TABLE client_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL COLLATE NOCASE,
            hash BLOB NOT NULL UNIQUE,
            hint TEXT NOT NULL,
            pool TEXT,
            created_ms INTEGER NOT NULL,
            revoked_ms INTEGER
        );
        CREATE UNIQUE INDEX ux_client_keys_active_name ON client_keys(name) WHERE revoked_ms IS NULL;

        ALTER TABLE usage_records ADD COLUMN attempt INTEGER;
        """,
        """
        ALTER TABLE usage_records ADD COLUMN source_file TEXT;
        CREATE INDEX ix_usage_records_source_file ON usage_records(source_file) WHERE source_file IS NOT NULL;

        CREATE TABLE codex_files (
            path TEXT PRIMARY KEY,
            home TEXT NOT NULL,
            thread_id TEXT,
            offset INTEGER NOT NULL,
            size INTEGER NOT NULL,
            modified_ms INTEGER NOT NULL,
            identity TEXT NOT NULL,
            state_json TEXT,
            malformed_lines INTEGER NOT NULL DEFAULT 0,
            oversized_lines INTEGER NOT NULL DEFAULT 0,
            updated_ms INTEGER NOT NULL
        );
        """,
        """
        CREATE TABLE codex_homes (
            path TEXT PRIMARY KEY,
            added_ms INTEGER NOT NULL
        );
        """,
        """
        CREATE TABLE usage_buckets (
            bucket INTEGER NOT NULL,
            source TEXT NOT NULL,
            model TEXT NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cost_pusd INTEGER NOT NULL,
            unpriced_requests INTEGER NOT NULL,
            unknown_usage_requests INTEGER NOT NULL,
            PRIMARY KEY (bucket, source, model)
        ) WITHOUT ROWID;
        INSERT INTO usage_buckets
        SELECT time_ms / 900000, source, COALESCE(model, ''), COUNT(*),
            SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(cached_input_tokens, 0)), SUM(COALESCE(cache_write_tokens, 0)),
            SUM(COALESCE(output_tokens, 0)), SUM(COALESCE(reasoning_tokens, 0)), SUM(COALESCE(cost_pusd, 0)),
            SUM(CASE WHEN (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) AND cost_pusd IS NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN usage_state = 'Unknown' THEN 1 ELSE 0 END)
        FROM usage_records GROUP BY 1, 2, 3;
        DROP TABLE daily_summary;

        CREATE TABLE session_summary (
            session_id TEXT NOT NULL,
            source TEXT NOT NULL,
            model TEXT NOT NULL,
            first_ms INTEGER NOT NULL,
            last_ms INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cost_pusd INTEGER NOT NULL,
            unpriced_requests INTEGER NOT NULL,
            unknown_usage_requests INTEGER NOT NULL,
            PRIMARY KEY (session_id, source, model)
        ) WITHOUT ROWID;
        INSERT INTO session_summary
        SELECT session_id, source, COALESCE(model, ''), MIN(time_ms), MAX(time_ms), COUNT(*),
            SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(cached_input_tokens, 0)), SUM(COALESCE(cache_write_tokens, 0)),
            SUM(COALESCE(output_tokens, 0)), SUM(COALESCE(reasoning_tokens, 0)), SUM(COALESCE(cost_pusd, 0)),
            SUM(CASE WHEN (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) AND cost_pusd IS NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN usage_state = 'Unknown' THEN 1 ELSE 0 END)
        FROM usage_records WHERE session_id IS NOT NULL GROUP BY 1, 2, 3;
        CREATE INDEX ix_session_summary_last ON session_summary(last_ms);

        ALTER TABLE usage_records ADD COLUMN duplicate_of TEXT;
        CREATE INDEX ix_usage_records_duplicate_of ON usage_records(duplicate_of) WHERE duplicate_of IS NOT NULL;

        ALTER TABLE rate_limit_snapshots ADD COLUMN source_file TEXT;
        CREATE INDEX ix_rate_limit_snapshots_source_file ON rate_limit_snapshots(source_file) WHERE source_file IS NOT NULL;

        CREATE TABLE codex_sessions (
            id TEXT PRIMARY KEY,
            home TEXT NOT NULL,
            file TEXT NOT NULL,
            cwd TEXT,
            originator TEXT,
            cli_version TEXT,
            model TEXT,
            effort TEXT,
            forked_from TEXT,
            first_prompt TEXT,
            started_ms INTEGER,
            last_activity_ms INTEGER,
            calls INTEGER NOT NULL DEFAULT 0,
            total_tokens INTEGER NOT NULL DEFAULT 0,
            context_window INTEGER,
            last_input_tokens INTEGER
        );
        CREATE INDEX ix_codex_sessions_last_activity ON codex_sessions(last_activity_ms);

        CREATE TABLE codex_messages (
            time_ms INTEGER NOT NULL,
            session_id TEXT,
            source_file TEXT NOT NULL
        );
        CREATE INDEX ix_codex_messages_time ON codex_messages(time_ms);
        CREATE INDEX ix_codex_messages_source_file ON codex_messages(source_file);
        """,
        """
        CREATE TABLE local_days (
            day INTEGER NOT NULL,
            source TEXT NOT NULL,
            model TEXT NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cost_pusd INTEGER NOT NULL,
            unpriced_requests INTEGER NOT NULL,
            unknown_usage_requests INTEGER NOT NULL,
            PRIMARY KEY (day, source, model)
        ) WITHOUT ROWID;

        CREATE TABLE store_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        """
        -- Codex logs are read again from their start once: files read by earlier versions have no
        -- session rows, message times or limits. Their records leave the summaries by source.
        DELETE FROM usage_records WHERE source = 'codex-log';
        DELETE FROM usage_buckets WHERE source = 'codex-log';
        DELETE FROM session_summary WHERE source = 'codex-log';
        DELETE FROM local_days WHERE source = 'codex-log';
        DELETE FROM rate_limit_snapshots WHERE source = 'codex-log';
        DELETE FROM codex_messages;
        DELETE FROM codex_sessions;
        DELETE FROM codex_files;
        """,
        """
        -- Rollups for the JSON API and the dashboard: whole UTC hours (level 0) and days (level 1)
        -- with the account and reasoning effort, so any range is a handful of rows plus the
        -- records of its partial hours at the edges.
        CREATE TABLE usage_rollups (
            level INTEGER NOT NULL,
            unit INTEGER NOT NULL,
            source TEXT NOT NULL,
            model TEXT NOT NULL,
            account TEXT NOT NULL,
            effort TEXT NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cost_pusd INTEGER NOT NULL,
            unpriced_requests INTEGER NOT NULL,
            unknown_usage_requests INTEGER NOT NULL,
            PRIMARY KEY (level, unit, source, model, account, effort)
        ) WITHOUT ROWID;
        INSERT INTO usage_rollups
        SELECT level.n, time_ms / level.ms, source, COALESCE(model, ''), COALESCE(account, ''), COALESCE(reasoning_effort, ''), COUNT(*),
            SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(cached_input_tokens, 0)), SUM(COALESCE(cache_write_tokens, 0)),
            SUM(COALESCE(output_tokens, 0)), SUM(COALESCE(reasoning_tokens, 0)), SUM(COALESCE(cost_pusd, 0)),
            SUM(CASE WHEN (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) AND cost_pusd IS NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN usage_state = 'Unknown' THEN 1 ELSE 0 END)
        FROM usage_records, (SELECT 0 AS n, 3600000 AS ms UNION ALL SELECT 1, 86400000) AS level
        WHERE duplicate_of IS NULL
        GROUP BY 1, 2, 3, 4, 5, 6;

        CREATE TABLE price_overrides (
            model TEXT PRIMARY KEY COLLATE NOCASE,
            price_json TEXT NOT NULL,
            updated_ms INTEGER NOT NULL
        );
        """,
        """
        -- What `tollgate sessions` read from each rollout file's head and tail, valid while its size and mtime stay.
        CREATE TABLE codex_file_summaries (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            modified_ms INTEGER NOT NULL,
            summary_json TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
        """
        -- Levels 2 and 3 of usage_rollups: whole UTC hours and 15-minute slots by source alone, for time series.
        INSERT INTO usage_rollups
        SELECT 2, unit, source, '', '', '', SUM(requests), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),
            SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_pusd), SUM(unpriced_requests), SUM(unknown_usage_requests)
        FROM usage_rollups WHERE level = 0
        GROUP BY unit, source;
        INSERT INTO usage_rollups
        SELECT 3, bucket, source, '', '', '', SUM(requests), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),
            SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_pusd), SUM(unpriced_requests), SUM(unknown_usage_requests)
        FROM usage_buckets
        GROUP BY bucket, source;
        -- Level 4: UTC calendar months (months since January 1970), for long ranges.
        INSERT INTO usage_rollups
        SELECT 4, (CAST(strftime('%Y', unit * 86400, 'unixepoch') AS INTEGER) - 1970) * 12 + CAST(strftime('%m', unit * 86400, 'unixepoch') AS INTEGER) - 1,
            source, model, account, effort, SUM(requests), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),
            SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_pusd), SUM(unpriced_requests), SUM(unknown_usage_requests)
        FROM usage_rollups WHERE level = 1
        GROUP BY 2, source, model, account, effort;
        """,
        """
        -- Pages of records, newest first, are chosen on the index alone (time, then id, and whether the record counts).
        CREATE INDEX ix_usage_records_time_id ON usage_records(time_ms, id, duplicate_of);
        DROP INDEX ix_usage_records_time;
        """,
        """
        -- One row per session and source with its parts (a model each) packed in one text, so a
        -- session report reads a few columns per session instead of fourteen per model.
        CREATE TABLE session_totals (
            session_id TEXT NOT NULL,
            source TEXT NOT NULL,
            first_ms INTEGER NOT NULL,
            last_ms INTEGER NOT NULL,
            parts TEXT NOT NULL,
            PRIMARY KEY (session_id, source)
        ) WITHOUT ROWID;
        INSERT INTO session_totals
        SELECT session_id, source, MIN(first_ms), MAX(last_ms), group_concat(
            hex(model) || ',' || first_ms || ',' || last_ms || ',' || requests || ',' || input_tokens || ',' || cached_input_tokens || ',' || cache_write_tokens
            || ',' || output_tokens || ',' || reasoning_tokens || ',' || cost_pusd || ',' || unpriced_requests || ',' || unknown_usage_requests, ';')
        FROM session_summary WHERE requests > 0
        GROUP BY session_id, source;
        CREATE INDEX ix_session_totals_last ON session_totals(last_ms);
        """,
        """
        -- The packed parts as bytes instead of text: per model a 4-byte length and the model's
        -- UTF-8 bytes, then its nine sums as 8-byte big-endian integers. Read without parsing
        -- digits, which was a third of the time a report of every session took.
        DROP TABLE session_totals;
        CREATE TABLE session_totals (
            session_id TEXT NOT NULL,
            source TEXT NOT NULL,
            first_ms INTEGER NOT NULL,
            last_ms INTEGER NOT NULL,
            parts BLOB NOT NULL,
            PRIMARY KEY (session_id, source)
        ) WITHOUT ROWID;
        INSERT INTO session_totals
        SELECT session_id, source, MIN(first_ms), MAX(last_ms), unhex(group_concat(
            printf('%08x', length(CAST(model AS BLOB))) || hex(model) || printf('%016x%016x%016x%016x%016x%016x%016x%016x%016x',
                requests, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_pusd,
                unpriced_requests, unknown_usage_requests), ''))
        FROM session_summary WHERE requests > 0
        GROUP BY session_id, source;
        CREATE INDEX ix_session_totals_last ON session_totals(last_ms);
        """,
        """
        -- Each rollout file's path once, in source_files, and its number in the records and the
        -- messages: the path in every one of their rows and in two indexes was 40 % of the store a
        -- whole Codex history makes, and as much of what its first ingest wrote.
        CREATE TABLE source_files (
            source_id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE
        );
        INSERT INTO source_files (path)
        SELECT source_file FROM usage_records WHERE source_file IS NOT NULL
        UNION SELECT source_file FROM codex_messages;

        DROP INDEX ix_usage_records_source_file;
        ALTER TABLE usage_records ADD COLUMN source_id INTEGER;
        UPDATE usage_records SET source_id = (SELECT s.source_id FROM source_files s WHERE s.path = usage_records.source_file)
        WHERE source_file IS NOT NULL;
        ALTER TABLE usage_records DROP COLUMN source_file;
        CREATE INDEX ix_usage_records_source_id ON usage_records(source_id) WHERE source_id IS NOT NULL;

        CREATE TABLE codex_messages_by_id (
            time_ms INTEGER NOT NULL,
            session_id TEXT,
            source_id INTEGER NOT NULL
        );
        INSERT INTO codex_messages_by_id
        SELECT m.time_ms, m.session_id, s.source_id FROM codex_messages m JOIN source_files s ON s.path = m.source_file;
        DROP TABLE codex_messages;
        ALTER TABLE codex_messages_by_id RENAME TO codex_messages;
        CREATE INDEX ix_codex_messages_time ON codex_messages(time_ms);
        CREATE INDEX ix_codex_messages_source_id ON codex_messages(source_id);
        """,
    ];
}
