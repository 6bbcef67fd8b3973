namespace Tollgate.Core.Storage;

public sealed partial class SqliteUsageStore
{
    /// <summary>Per Codex home: files read, malformed and oversized lines skipped, and when a file of it was last read.</summary>
    public async Task<IReadOnlyDictionary<string, HomeStats>> ReadHomeStatsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT home, COUNT(*), SUM(malformed_lines), SUM(oversized_lines), MAX(updated_ms) FROM codex_files GROUP BY home";
        var stats = new Dictionary<string, HomeStats>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stats[reader.GetString(0)] = new HomeStats(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
        }

        return stats;
    }
}

/// <summary>What the ingester has read of one Codex home.</summary>
public sealed record HomeStats(long Files, long MalformedLines, long OversizedLines, DateTimeOffset LastRead);
