using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tollgate.Core.Pricing;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>
/// Prices edited in the dashboard or through the API (laid over the built-in list and the
/// config file), and the recomputation of every stored cost when prices change.
/// </summary>
public sealed partial class SqliteUsageStore
{
    /// <summary>How many records one recomputation transaction updates.</summary>
    private const int RecomputeBatch = 5000;

    public async Task<IReadOnlyDictionary<string, ModelPrice>> ReadPriceOverridesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT model, price_json FROM price_overrides";
        var prices = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            prices[reader.GetString(0)] = JsonSerializer.Deserialize(reader.GetString(1), StoreJson.Default.ModelPrice)!;
        }

        return prices;
    }

    /// <summary>Sets (a price) or removes (null) the override of each model, in one transaction.</summary>
    public async Task SavePriceOverridesAsync(IReadOnlyDictionary<string, ModelPrice?> changes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (model, price) in changes)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = price is null
                ? "DELETE FROM price_overrides WHERE model = $model"
                : "INSERT INTO price_overrides (model, price_json, updated_ms) VALUES ($model, $json, $now) ON CONFLICT (model) DO UPDATE SET price_json = excluded.price_json, updated_ms = excluded.updated_ms";
            command.Parameters.AddWithValue("$model", model);
            command.Parameters.AddWithValue("$json", price is null ? DBNull.Value : JsonSerializer.Serialize(price, StoreJson.Default.ModelPrice));
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Every model the store has records of (null model = ""), with its request count and how many of them are unpriced.</summary>
    public async Task<IReadOnlyList<(string Model, long Requests, long UnpricedRequests)>> ReadSeenModelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT model, SUM(requests), SUM(unpriced_requests) FROM usage_rollups WHERE level = 1 GROUP BY model HAVING SUM(requests) > 0 ORDER BY model";
        var models = new List<(string, long, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            models.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return models;
    }

    /// <summary>
    /// Prices every stored record again with <paramref name="prices"/> (in batches, so the writer
    /// is never held up for long), then rebuilds every summary from the records in one
    /// transaction. Returns how many records were priced.
    /// </summary>
    public async Task<long> RecomputeCostsAsync(PriceTable prices, IProgress<(long Done, long Total)>? progress, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        long total;
        await using (var count = connection.CreateCommand())
        {
            count.CommandText = "SELECT COUNT(*) FROM usage_records";
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        long done = 0, lastRowId = long.MinValue;
        progress?.Report((0, total));
        while (true)
        {
            var batch = new List<(long RowId, long? CostPico)>(RecomputeBatch);
            await using (var read = connection.CreateCommand())
            {
                read.CommandText = """
                    SELECT rowid, model, service_tier, input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens
                    FROM usage_records WHERE rowid > $after ORDER BY rowid LIMIT $batch
                    """;
                read.Parameters.AddWithValue("$after", lastRowId);
                read.Parameters.AddWithValue("$batch", RecomputeBatch);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    long? cost = null;
                    if (!reader.IsDBNull(3) || !reader.IsDBNull(7))
                    {
                        long At(int i) => reader.IsDBNull(i) ? 0 : reader.GetInt64(i);
                        var usage = new TokenUsage(At(3), At(4), At(5), At(7), At(8), At(6));
                        cost = Money.ToPico(prices.Cost(reader.IsDBNull(1) ? null : reader.GetString(1), usage, reader.IsDBNull(2) ? null : reader.GetString(2)));
                    }

                    batch.Add((reader.GetInt64(0), cost));
                }
            }

            if (batch.Count == 0)
            {
                break;
            }

            await using (var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken))
            {
                using var update = new BulkInsert(connection, "UPDATE usage_records SET cost_pusd = ? WHERE rowid = ?");
                foreach (var (rowId, cost) in batch)
                {
                    update.Add(cost).Add(rowId).Run();
                }

                await tx.CommitAsync(cancellationToken);
            }

            lastRowId = batch[^1].RowId;
            done += batch.Count;
            progress?.Report((done, Math.Max(total, done)));
        }

        await RebuildSummariesAsync(connection, cancellationToken);
        if (await DayZoneAsync(connection, null) is { } zone)
        {
            await RebuildLocalDaysAsync(zone, cancellationToken);
        }

        return done;
    }

    /// <summary>Every summary table again from the records that count, in one transaction.</summary>
    private static async Task RebuildSummariesAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"""
            DELETE FROM usage_buckets;
            INSERT INTO usage_buckets (bucket, source, model, {SumColumns})
            SELECT bucket, source, model, {SumSelect} FROM (
                SELECT time_ms / {BucketMs} AS bucket, source, COALESCE(model, '') AS model, {RecordSums} FROM usage_records WHERE duplicate_of IS NULL)
            GROUP BY bucket, source, model;

            DELETE FROM session_summary;
            INSERT INTO session_summary (session_id, source, model, first_ms, last_ms, {SumColumns})
            SELECT session_id, source, model, MIN(time_ms), MAX(time_ms), {SumSelect} FROM (
                SELECT session_id, source, COALESCE(model, '') AS model, time_ms, {RecordSums} FROM usage_records WHERE duplicate_of IS NULL AND session_id IS NOT NULL)
            GROUP BY session_id, source, model;
            DELETE FROM session_totals;
            INSERT INTO session_totals (session_id, source, first_ms, last_ms, parts)
            SELECT session_id, source, MIN(first_ms), MAX(last_ms), {PackedParts}
            FROM session_summary WHERE requests > 0
            GROUP BY session_id, source;

            DELETE FROM usage_rollups;
            INSERT INTO usage_rollups (level, unit, source, model, account, effort, {SumColumns})
            SELECT level, unit, source, model, account, effort, {SumSelect} FROM (
                SELECT level.n AS level,
                    CASE WHEN level.n = 4 THEN {MonthSql} ELSE time_ms / level.ms END AS unit, source,
                    CASE WHEN level.n >= 2 THEN '' ELSE COALESCE(model, '') END AS model,
                    CASE WHEN level.n >= 2 THEN '' ELSE COALESCE(account, '') END AS account,
                    CASE WHEN level.n >= 2 THEN '' ELSE COALESCE(reasoning_effort, '') END AS effort, {RecordSums}
                FROM usage_records, (SELECT 0 AS n, {HourMs} AS ms UNION ALL SELECT 1, {DayMs} UNION ALL SELECT 2, {HourMs} UNION ALL SELECT 3, {BucketMs} UNION ALL SELECT 4, 0) AS level
                WHERE duplicate_of IS NULL)
            GROUP BY level, unit, source, model, account, effort;
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }
}
