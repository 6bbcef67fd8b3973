using System.IO.Enumeration;

namespace Tollgate.Core.CodexLogs;

/// <summary>A rollout file found in a home, with what its directory entry says.</summary>
internal sealed record RolloutFile(string Home, string Path, long Size, DateTimeOffset Modified, bool Archived);

/// <summary>
/// The rollout files of Codex homes (<c>sessions/**</c> and <c>archived_sessions/</c>), straight
/// from the directory entries, and the one copy of each thread that counts: the longest (it
/// holds the most), <c>sessions/</c> before <c>archived_sessions/</c>, earlier homes first.
/// </summary>
internal static class RolloutFiles
{
    /// <param name="problems">Told of a home that does not exist or a folder that cannot be listed.</param>
    /// <returns>Every file found, one per thread, and the homes that were there to be listed.</returns>
    public static (IReadOnlyList<RolloutFile> All, IReadOnlyList<RolloutFile> Canonical, IReadOnlySet<string> HomesListed) Find(
        IReadOnlyList<string> homes, List<string> problems)
    {
        var files = new List<RolloutFile>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var home in homes)
        {
            if (!Directory.Exists(home))
            {
                problems.Add($"the Codex home {home} does not exist");
                continue;
            }

            listed.Add(home);
            files.AddRange(Enumerate(home, System.IO.Path.Combine(home, "sessions"), recurse: true, archived: false, problems));
            files.AddRange(Enumerate(home, System.IO.Path.Combine(home, "archived_sessions"), recurse: false, archived: true, problems));
        }

        var byThread = new Dictionary<string, RolloutFile>(files.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            var thread = ThreadOf(file);
            if (!byThread.TryGetValue(thread, out var best) || file.Size > best.Size || (file.Size == best.Size && best.Archived && !file.Archived))
            {
                byThread[thread] = file;
            }
        }

        return (files, new List<RolloutFile>(byThread.Values), listed);
    }

    /// <summary>The thread a file belongs to, by its name (the file's path when its name carries none).</summary>
    public static string ThreadOf(RolloutFile file) => RolloutReader.ThreadIdFromName(file.Path) ?? file.Path;

    private static IEnumerable<RolloutFile> Enumerate(string home, string dir, bool recurse, bool archived, List<string> problems)
    {
        if (!Directory.Exists(dir))
        {
            return [];
        }

        try
        {
            // Straight from the directory entries: no FileInfo per file.
            var options = new EnumerationOptions { RecurseSubdirectories = recurse, IgnoreInaccessible = true };
            return new FileSystemEnumerable<RolloutFile>(dir, (ref entry) => new RolloutFile(home, entry.ToFullPath(), entry.Length, RolloutReader.Milliseconds(entry.LastWriteTimeUtc.UtcDateTime), archived), options)
            {
                ShouldIncludePredicate = (ref entry) => !entry.IsDirectory && entry.FileName.StartsWith("rollout-") && entry.FileName.EndsWith(".jsonl"),
            }.ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{dir}: {e.Message}");
            return [];
        }
    }
}
