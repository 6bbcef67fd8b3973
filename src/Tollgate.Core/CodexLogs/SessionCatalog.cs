using Tollgate.Core.Storage;

namespace Tollgate.Core.CodexLogs;

/// <summary>What a listing found, and what it cost.</summary>
/// <param name="FilesRead">Files whose head and tail were read, because they are new or changed since the last listing.</param>
/// <param name="FilesCached">Files whose summary was still valid (same size and modification time).</param>
public sealed record SessionCatalogResult(IReadOnlyList<RolloutSummary> Sessions, int FilesRead, int FilesCached, IReadOnlyList<string> Problems);

/// <summary>
/// The Codex sessions of some homes, for <c>tollgate sessions</c>, without ingesting them: one
/// summary per thread (<see cref="RolloutFiles"/> picks the copy), read by
/// <see cref="RolloutSummaryReader"/> only for files whose size or modification time changed
/// since the last listing, and cached in the store (<c>codex_file_summaries</c>).
/// </summary>
public sealed class SessionCatalog(SqliteUsageStore store)
{
    public async Task<SessionCatalogResult> ListAsync(IReadOnlyList<string> homes, CancellationToken cancellationToken)
    {
        var cachedTask = store.ReadRolloutSummariesAsync(cancellationToken);
        var problems = new List<string>();
        var (_, files, _) = RolloutFiles.Find(homes, problems);
        var cached = await cachedTask;

        var summaries = new RolloutSummary?[files.Count];
        var changed = new List<int>();
        for (var i = 0; i < files.Count; i++)
        {
            if (cached.TryGetValue(files[i].Path, out var hit) && hit.Size == files[i].Size && hit.Modified == files[i].Modified && hit.Summary.Home == files[i].Home)
            {
                summaries[i] = hit.Summary;
            }
            else
            {
                changed.Add(i);
            }
        }

        await Parallel.ForEachAsync(changed, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, _) =>
        {
            try
            {
                summaries[i] = RolloutSummaryReader.Read(files[i].Home, files[i].Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lock (problems)
                {
                    problems.Add($"{files[i].Path}: {e.Message}");
                }
            }

            return ValueTask.CompletedTask;
        });

        var present = files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        await store.SaveRolloutSummariesAsync(
            changed.Where(i => summaries[i] is not null).Select(i => (files[i].Size, files[i].Modified, summaries[i]!)).ToList(),
            cached.Where(c => !present.Contains(c.Key) && homes.Contains(c.Value.Summary.Home)).Select(c => c.Key).ToList(), // another home's stay for its next listing
            cancellationToken);

        // A file named after one thread but holding another (renamed by hand) must not list that thread twice.
        var sessions = summaries.OfType<RolloutSummary>()
            .GroupBy(s => s.Id, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.MaxBy(s => s.LastActivity ?? s.StartedAt ?? DateTimeOffset.MinValue)!)
            .ToList();
        return new SessionCatalogResult(sessions, changed.Count, files.Count - changed.Count, problems);
    }
}
