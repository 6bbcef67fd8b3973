using System.Text.Json;

namespace Tollgate.Core.CodexLogs;

/// <summary>A Codex session as <c>tollgate sessions</c> lists it.</summary>
/// <param name="InProject">Its directory is the current one, inside it, or contains it.</param>
/// <param name="Name">The thread name from <c>session_index.jsonl</c>, if it has one.</param>
public sealed record ListedSession(RolloutSummary Session, bool InProject, string? Name);

/// <summary>
/// Orders Codex sessions for <c>tollgate sessions</c>: the current project's first (a session
/// whose directory equals, contains or lies inside the current directory — but not <c>/</c> or
/// the home directory, which contain everything), newest activity first within each group, with
/// the names Codex keeps in each home's <c>session_index.jsonl</c> (the newest line per id wins).
/// </summary>
public static class SessionList
{
    public static IReadOnlyList<ListedSession> Order(IEnumerable<RolloutSummary> sessions, string currentDirectory, string? homeDirectory, IReadOnlyDictionary<string, string> names) =>
        sessions
            .Select(s => new ListedSession(s, InProject(s.Cwd, currentDirectory, homeDirectory), names.GetValueOrDefault(s.Id)))
            .OrderByDescending(s => s.InProject)
            .ThenByDescending(s => s.Session.LastActivity ?? s.Session.StartedAt ?? DateTimeOffset.MinValue)
            .ThenBy(s => s.Session.Id, StringComparer.Ordinal)
            .ToList();

    public static bool InProject(string? sessionDirectory, string currentDirectory, string? homeDirectory)
    {
        if (string.IsNullOrEmpty(sessionDirectory))
        {
            return false;
        }

        var session = Path.TrimEndingDirectorySeparator(sessionDirectory);
        var current = Path.TrimEndingDirectorySeparator(currentDirectory);
        if (session == current || session.StartsWith(current + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return true; // here, or inside
        }

        var tooWide = session.Length <= 1 || (homeDirectory is not null && session == Path.TrimEndingDirectorySeparator(homeDirectory));
        return !tooWide && current.StartsWith(session + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>Thread names from the homes' <c>session_index.jsonl</c> (<c>{id, thread_name, updated_at}</c>); unreadable lines are skipped.</summary>
    public static IReadOnlyDictionary<string, string> ReadNames(IEnumerable<string> homes)
    {
        var names = new Dictionary<string, (string Name, string UpdatedAt)>(StringComparer.Ordinal);
        foreach (var home in homes)
        {
            var index = Path.Combine(home, "session_index.jsonl");
            if (!File.Exists(index))
            {
                continue;
            }

            foreach (var line in File.ReadLines(index))
            {
                try
                {
                    using var json = JsonDocument.Parse(line);
                    var root = json.RootElement;
                    if (root.TryGetProperty("id", out var id) && id.GetString() is { } key
                        && root.TryGetProperty("thread_name", out var name) && name.GetString() is { Length: > 0 } value)
                    {
                        var updated = root.TryGetProperty("updated_at", out var at) ? at.ToString() : "";
                        if (!names.TryGetValue(key, out var seen) || string.CompareOrdinal(updated, seen.UpdatedAt) >= 0)
                        {
                            names[key] = (value, updated);
                        }
                    }
                }
                catch (JsonException)
                {
                    // a line Codex was still writing, or damage: the preview stands in for the name
                }
            }
        }

        return names.ToDictionary(n => n.Key, n => n.Value.Name, StringComparer.Ordinal);
    }
}
