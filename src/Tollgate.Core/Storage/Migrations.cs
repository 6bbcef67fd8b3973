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
    ];
}
