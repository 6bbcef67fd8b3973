using Dapper;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;

namespace Tollgate.Core.CodexLogs;

/// <summary>
/// Which Codex homes are read: those in the config's <c>[codex] homes</c>, or when it names
/// none <c>$CODEX_HOME</c> or <c>~/.codex</c>; plus, in either case, those added with
/// <c>tollgate homes add</c> or the dashboard (the <c>codex_homes</c> table). Adding a home
/// reads it too; only the config's list replaces the default.
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

    /// <summary>Every home, where it comes from, in order: the config's (or the default), then the added ones.</summary>
    public async Task<IReadOnlyList<CodexHome>> ResolveAsync(AppPaths paths, TollgateConfig config, CancellationToken cancellationToken)
    {
        var added = await ListAddedAsync(cancellationToken);
        IEnumerable<CodexHome> first = config.CodexHomes.Count > 0
            ? config.CodexHomes.Select(h => new CodexHome(Normalize(h), CodexHome.FromConfig))
            : [new CodexHome(paths.CodexHome, CodexHome.Default)];
        var homes = new List<CodexHome>();
        foreach (var home in first.Where(h => !added.Contains(h.Path)).Concat(added.Select(a => new CodexHome(a, CodexHome.Added))))
        {
            if (!homes.Exists(h => h.Path == home.Path))
            {
                homes.Add(home);
            }
        }

        return homes;
    }

    /// <summary>
    /// The folders to read: a default home that does not exist is left out (no Codex on this
    /// machine is nothing wrong); a named one stays, so the ingest reports it missing.
    /// </summary>
    public static IReadOnlyList<string> ToRead(IReadOnlyList<CodexHome> homes) =>
        homes.Where(h => h.Origin != CodexHome.Default || Directory.Exists(h.Path)).Select(h => h.Path).ToList();

    public static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}

/// <summary>A Codex home and where it comes from: <c>config</c>, <c>default</c> or <c>added</c>.</summary>
public sealed record CodexHome(string Path, string Origin)
{
    public const string FromConfig = "config";
    public const string Default = "default";
    public const string Added = "added";
}
