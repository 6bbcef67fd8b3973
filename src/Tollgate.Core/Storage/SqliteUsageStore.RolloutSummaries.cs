using System.Text.Json;
using Tollgate.Core.CodexLogs;

namespace Tollgate.Core.Storage;

public sealed partial class SqliteUsageStore
{
    /// <summary>The cached session summaries, by rollout file path, with the size and mtime they were read at.</summary>
    public async Task<Dictionary<string, (long Size, DateTimeOffset Modified, RolloutSummary Summary)>> ReadRolloutSummariesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT path, size, modified_ms, summary_json FROM codex_file_summaries";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var cached = new Dictionary<string, (long, DateTimeOffset, RolloutSummary)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            try
            {
                if (JsonSerializer.Deserialize(reader.GetString(3), StoreJson.Default.RolloutSummary) is { } summary)
                {
                    cached[reader.GetString(0)] = (reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), summary);
                }
            }
            catch (JsonException)
            {
                // damaged, or written by another version: the file is read again and the row replaced
            }
        }

        return cached;
    }

    /// <summary>Stores the summaries read anew and forgets those of files that are gone, in one transaction.</summary>
    public async Task SaveRolloutSummariesAsync(
        IReadOnlyList<(long Size, DateTimeOffset Modified, RolloutSummary Summary)> read,
        IReadOnlyCollection<string> gone,
        CancellationToken cancellationToken)
    {
        if (read.Count == 0 && gone.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var tx = connection.BeginTransaction();
        await using (var upsert = connection.CreateCommand())
        {
            upsert.Transaction = tx;
            upsert.CommandText = "INSERT OR REPLACE INTO codex_file_summaries (path, size, modified_ms, summary_json) VALUES ($path, $size, $modified, $json)";
            var path = upsert.Parameters.Add("$path", Microsoft.Data.Sqlite.SqliteType.Text);
            var size = upsert.Parameters.Add("$size", Microsoft.Data.Sqlite.SqliteType.Integer);
            var modified = upsert.Parameters.Add("$modified", Microsoft.Data.Sqlite.SqliteType.Integer);
            var json = upsert.Parameters.Add("$json", Microsoft.Data.Sqlite.SqliteType.Text);
            foreach (var (fileSize, fileModified, summary) in read)
            {
                path.Value = summary.File;
                size.Value = fileSize;
                modified.Value = fileModified.ToUnixTimeMilliseconds();
                json.Value = JsonSerializer.Serialize(summary, StoreJson.Default.RolloutSummary);
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = tx;
            delete.CommandText = "DELETE FROM codex_file_summaries WHERE path = $path";
            var path = delete.Parameters.Add("$path", Microsoft.Data.Sqlite.SqliteType.Text);
            foreach (var file in gone)
            {
                path.Value = file;
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await tx.CommitAsync(cancellationToken);
    }
}
