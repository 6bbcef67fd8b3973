using System.Threading.Channels;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;

namespace Tollgate.Core.CodexLogs;

/// <summary>What one ingestion run did, for <c>tollgate ingest</c> and the API.</summary>
public sealed record IngestReport(
    int FilesSeen,
    int FilesRead,
    int FilesUnchanged,
    int FilesRestarted,
    int DuplicateCopies,
    int CallsAdded,
    int MalformedLines,
    int OversizedLines,
    IReadOnlyList<string> Problems)
{
    /// <summary>How long the run took, from listing the homes to the last write.</summary>
    public double ElapsedMs { get; init; }

    /// <summary>Files counted before that are gone, or no longer the copy that counts.</summary>
    public int FilesForgotten { get; init; }

    /// <summary>Whether the store changed: a report computed before this run is out of date.</summary>
    public bool Changed => FilesRead > 0 || FilesForgotten > 0;
}

/// <summary>
/// Brings the store up to date with the Codex homes' rollout files: only appended bytes are
/// read (cursors in <c>codex_files</c>), files are read in parallel and written one at a time,
/// a thread that exists in several places (<c>sessions/</c> and <c>archived_sessions/</c>, or
/// two homes) is counted from one copy, and a file that cannot be read is reported without
/// stopping the others.
/// </summary>
public sealed class CodexIngester(SqliteUsageStore store, PriceTable prices, TimeProvider time)
{
    public const string Source = "codex-log";

    /// <param name="progress">Told how many of the files to look at are done, out of how many (for a progress bar).</param>
    public async Task<IngestReport> IngestAsync(IReadOnlyList<string> homes, CancellationToken cancellationToken, IProgress<(int Done, int Total)>? progress = null)
    {
        var started = time.GetTimestamp();
        // The cursors are read from the store while the homes are listed.
        var knownTask = store.ReadCodexFileStampsAsync(cancellationToken);
        var problems = new List<string>();
        var (files, listed, homesRead) = RolloutFiles.Find(homes, problems);
        var known = await knownTask;

        // Only the homes read in this run speak for their files. A home left out of it (another
        // --home) or missing for now (a disk not mounted) keeps what its files counted. A thread
        // counted from one of them is counted from a copy in a home read now only when that copy
        // is longer (it holds more: the rule between copies), and the other copy is forgotten.
        var countedElsewhere = new Dictionary<string, (string Path, long Size)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, stamp) in known)
        {
            if (!homesRead.Contains(stamp.Home) && stamp.ThreadId is not null)
            {
                countedElsewhere[stamp.ThreadId] = (path, stamp.Size);
            }
        }

        var canonical = new List<RolloutFile>(listed.Count);
        var superseded = new List<string>();
        foreach (var file in listed)
        {
            if (!countedElsewhere.TryGetValue(RolloutFiles.ThreadOf(file), out var other))
            {
                canonical.Add(file);
            }
            else if (file.Size > other.Size)
            {
                canonical.Add(file);
                superseded.Add(other.Path);
            }
        }

        var keep = canonical.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var forgotten = 0;
        foreach (var path in known.Where(k => homesRead.Contains(k.Value.Home) && !keep.Contains(k.Key)).Select(k => k.Key).Concat(superseded))
        {
            await store.ForgetCodexFileAsync(path, cancellationToken); // deleted, or another copy now counts
            forgotten++;
        }

        // Most runs find most files as they were: those are skipped here, before any thread or
        // channel is set up, by their size and modification time (a file is not even opened).
        var unchanged = 0;
        var changed = new List<RolloutFile>();
        foreach (var file in canonical)
        {
            if (known.GetValueOrDefault(file.Path) is { } before && before.Size == file.Size && before.Modified == file.Modified)
            {
                unchanged++;
            }
            else
            {
                changed.Add(file);
            }
        }

        if (changed.Count == 0)
        {
            progress?.Report((canonical.Count, canonical.Count));
            return new IngestReport(files.Count, 0, unchanged, 0, files.Count - canonical.Count, 0, 0, 0, problems)
            {
                ElapsedMs = time.GetElapsedTime(started).TotalMilliseconds,
                FilesForgotten = forgotten,
            };
        }

        int read = 0, restarted = 0, calls = 0, malformed = 0, oversized = 0, done = unchanged;
        progress?.Report((done, canonical.Count));

        // Files are read in parallel; one writer stores what they found, many files per
        // transaction. A failed write stops the readers and is what the caller sees.
        var found = Channel.CreateBounded<CodexFileUpdate>(new BoundedChannelOptions(256) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(
            async () =>
            {
                try
                {
                    var batch = new List<CodexFileUpdate>();
                    while (await found.Reader.WaitToReadAsync(stop.Token))
                    {
                        while (batch.Count < MaxFilesPerTransaction && found.Reader.TryRead(out var update))
                        {
                            batch.Add(update);
                        }

                        await store.ApplyCodexFilesAsync(batch, time.GetUtcNow(), stop.Token);
                        batch.Clear();
                    }
                }
                catch
                {
                    await stop.CancelAsync();
                    throw;
                }
            },
            CancellationToken.None);

        try
        {
            await Parallel.ForEachAsync(changed, new ParallelOptions { CancellationToken = stop.Token, MaxDegreeOfParallelism = Environment.ProcessorCount }, async (file, ct) =>
            {
                try
                {
                    await ReadFileAsync(file, ct);
                }
                finally
                {
                    progress?.Report((Interlocked.Increment(ref done), canonical.Count));
                }
            });
        }
        catch (OperationCanceledException) when (writer.IsFaulted)
        {
            // the writer's own error follows
        }
        finally
        {
            found.Writer.TryComplete();
        }

        await writer;
        return new IngestReport(files.Count, read, unchanged, restarted, files.Count - canonical.Count, calls, malformed, oversized, problems)
        {
            ElapsedMs = time.GetElapsedTime(started).TotalMilliseconds,
            FilesForgotten = forgotten,
        };

        async Task ReadFileAsync(RolloutFile file, CancellationToken ct)
        {
            var before = known.ContainsKey(file.Path) ? await store.ReadCodexFileAsync(file.Path, ct) : null;
            RolloutRead result;
            try
            {
                result = RolloutReader.Read(file.Path, before?.Cursor);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lock (problems)
                {
                    problems.Add(e is FileNotFoundException or DirectoryNotFoundException ? $"{file.Path} disappeared while it was being read" : $"{file.Path}: {e.Message}");
                }

                return;
            }

            if (result.Unchanged)
            {
                Interlocked.Increment(ref unchanged);
                return;
            }

            var records = result.Calls.Select(c => ToRecord(c, file.Path)).ToList();
            var state = new CodexFileState(
                file.Path,
                file.Home,
                result.Cursor.State?.ThreadId ?? RolloutReader.ThreadIdFromName(file.Path),
                result.Cursor,
                (result.Restarted ? 0 : before?.MalformedLines ?? 0) + result.MalformedLines,
                (result.Restarted ? 0 : before?.OversizedLines ?? 0) + result.OversizedLines);
            await found.Writer.WriteAsync(new CodexFileUpdate(state, new CodexFileFindings(records, result.Messages, result.RateLimits), result.Restarted), ct);
            Interlocked.Increment(ref read);
            Interlocked.Add(ref calls, records.Count);
            Interlocked.Add(ref malformed, result.MalformedLines);
            Interlocked.Add(ref oversized, result.OversizedLines);
            if (result.Restarted)
            {
                Interlocked.Increment(ref restarted);
            }
        }
    }

    /// <summary>Files stored per transaction at most.</summary>
    private const int MaxFilesPerTransaction = 256;

    private UsageRecord ToRecord(CodexCall call, string path) => new()
    {
        Id = RecordIds.Version7(call.Time),
        Time = call.Time,
        Source = Source,
        Service = "codex",
        Endpoint = "/responses",
        Method = "POST",
        Status = 200,
        Model = call.Model,
        Stream = true,
        Transport = "log",
        UsageState = UsageState.Reported,
        Usage = call.Usage,
        CostUsd = prices.Cost(call.Model, call.Usage, serviceTier: null),
        SessionId = call.ThreadId,
        ReasoningEffort = call.Effort,
        Outcome = CallOutcome.Success,
        SourceFile = path,
    };
}
