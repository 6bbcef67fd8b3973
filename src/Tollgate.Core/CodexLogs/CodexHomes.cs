using Dapper;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;

namespace Tollgate.Core.CodexLogs;

/// <summary>
/// Which Codex homes are read: those added with <c>tollgate homes add</c> (the
/// <c>codex_homes</c> table) and those in the config's <c>[codex] homes</c>; when there are
/// none, <c>$CODEX_HOME</c> or <c>~/.codex</c>.
/// </summary>
public sealed class CodexHomes(SqliteDatabase database, TimeProvider time)
{
    public async Task<IReadOnlyList<string>> ListAddedAsync(CancellationToken cancellationToken)
    {
        // Read before every report: a plain command, not Dapper (whose first use costs more).
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT path FROM codex_homes ORDER BY added_ms";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var homes = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            homes.Add(reader.GetString(0));
        }

        return homes;
    }

    /// <summary>Adds a home; false when it was already there.</summary>
    public async Task<bool> AddAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT OR IGNORE INTO codex_homes (path, added_ms) VALUES (@path, @now)",
            new { path = Normalize(path), now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> RemoveAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM codex_homes WHERE path = @path", new { path = Normalize(path) }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The homes to read, and whether they were named by the user (then a missing one is an error, not just "no Codex here").</summary>
    public async Task<(IReadOnlyList<string> Homes, bool Explicit)> ResolveAsync(AppPaths paths, TollgateConfig config, CancellationToken cancellationToken)
    {
        var named = (await ListAddedAsync(cancellationToken)).Concat(config.CodexHomes.Select(Normalize)).Distinct(StringComparer.Ordinal).ToList();
        return named.Count > 0 ? (named, true) : ([paths.CodexHome], false);
    }

    public static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
