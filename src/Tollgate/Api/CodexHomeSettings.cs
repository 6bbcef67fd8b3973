using Tollgate.Core.CodexLogs;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;

namespace Tollgate.Api;

/// <summary>
/// The Codex homes as the settings show them (where each comes from, what ingestion found in
/// it), and the check a home added by hand must pass: shared by <c>/api/settings</c> and the
/// dashboard's Settings page.
/// </summary>
internal static class CodexHomeSettings
{
    /// <summary>A home, its origin (<c>added</c>, <c>config</c>, <c>default</c>) and what the last ingestion saw.</summary>
    public sealed record HomeView(string Path, string Origin, bool Exists, long Files, long MalformedLines, long OversizedLines, DateTimeOffset? LastIngestion);

    public static async Task<IReadOnlyList<HomeView>> ListAsync(SqliteDatabase database, AppPaths paths, TollgateConfig config, SqliteUsageStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var resolved = await new CodexHomes(database, time).ResolveAsync(paths, config, cancellationToken);
        var stats = await store.ReadHomeStatsAsync(cancellationToken);
        return resolved.Select(h => new HomeView(
            h.Path,
            h.Origin,
            Directory.Exists(h.Path),
            stats.GetValueOrDefault(h.Path)?.Files ?? 0,
            stats.GetValueOrDefault(h.Path)?.MalformedLines ?? 0,
            stats.GetValueOrDefault(h.Path)?.OversizedLines ?? 0,
            stats.GetValueOrDefault(h.Path)?.LastRead)).ToList();
    }

    /// <summary>The normalised folder of an absolute path that exists, or null and why it cannot be a home.</summary>
    public static (string? Dir, string? Error) Check(string? text)
    {
        if (text is not { Length: > 0 and <= 4096 } || text.Any(char.IsControl) || !Path.IsPathFullyQualified(text))
        {
            return (null, $"{text} is not an absolute path");
        }

        var dir = CodexHomes.Normalize(text);
        return Directory.Exists(dir) ? (dir, null) : (null, $"{dir} does not exist");
    }
}
