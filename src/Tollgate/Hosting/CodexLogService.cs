using Tollgate.Core.CodexLogs;
using Tollgate.Core.Configuration;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;

namespace Tollgate.Hosting;

/// <summary>
/// Keeps the store current with the Codex homes while the gateway runs: an ingestion at start,
/// another shortly after a session file changes (a file-system watcher, debounced), and a sweep
/// every minute for what a watcher can miss (network file systems, overflowed event queues).
/// </summary>
internal sealed partial class CodexLogService(
    SqliteDatabase database,
    SqliteUsageStore store,
    PriceTable prices,
    AppPaths paths,
    TollgateConfig config,
    TimeProvider time,
    ILogger<CodexLogService> logger) : BackgroundService
{
    private static readonly TimeSpan Sweep = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Debounce = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly SemaphoreSlim _running = new(1, 1);
    private static readonly string[] WatchedDirs = ["sessions", "archived_sessions"];
    private readonly Dictionary<string, HomeWatch> _watchers = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (report, _) = await RunNowAsync(stoppingToken);
                if (report.CallsAdded > 0 || report.FilesRestarted > 0)
                {
                    LogIngested(report.CallsAdded, report.FilesRead);
                }

                foreach (var problem in report.Problems)
                {
                    LogProblem(problem);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                LogFailed(e.Message);
            }

            // Until the next sweep, or a change (then a short pause, so a burst of writes is one run).
            try
            {
                if (await _changed.WaitAsync(Sweep, stoppingToken))
                {
                    await Task.Delay(Debounce, TimeProvider.System, stoppingToken); // wall-clock: it paces file events
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One ingestion of the homes as they are now (a home added since is watched from now on);
    /// runs never overlap, so a caller's run (the API's) and the loop's share the cursors safely.
    /// </summary>
    public async Task<(IngestReport Report, IReadOnlyList<string> Homes)> RunNowAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var homes = (await new CodexHomes(database, time).ResolveAsync(paths, config, cancellationToken)).Select(h => h.Path).ToList();
            var present = homes.Where(Directory.Exists).ToList();
            foreach (var home in present)
            {
                // Watched anew when a folder it lacked appeared (Codex makes sessions/ at its first session).
                var dirs = WatchedDirs.Count(d => Directory.Exists(Path.Combine(home, d)));
                if (!_watchers.TryGetValue(home, out var watch) || watch.Dirs != dirs)
                {
                    watch?.Dispose();
                    _watchers[home] = Watch(home, dirs);
                }
            }

            return (await new CodexIngester(store, prices, time).IngestAsync(present, cancellationToken), homes);
        }
        finally
        {
            _running.Release();
        }
    }

    private HomeWatch Watch(string home, int dirs)
    {
        var watchers = new List<FileSystemWatcher>();
        foreach (var dir in WatchedDirs.Select(d => Path.Combine(home, d)).Where(Directory.Exists))
        {
            var watcher = new FileSystemWatcher(dir, "rollout-*.jsonl")
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += (_, _) => Signal();
            watcher.Created += (_, _) => Signal();
            watcher.Renamed += (_, _) => Signal();
            watcher.Deleted += (_, _) => Signal();
            watcher.EnableRaisingEvents = true;
            watchers.Add(watcher);
        }

        if (dirs < WatchedDirs.Length)
        {
            // The home itself, for the folder it lacks: the run its appearance starts watches it.
            var watcher = new FileSystemWatcher(home) { NotifyFilter = NotifyFilters.DirectoryName };
            watcher.Created += (_, e) => SignalIfWatched(e.Name);
            watcher.Renamed += (_, e) => SignalIfWatched(e.Name);
            watcher.EnableRaisingEvents = true;
            watchers.Add(watcher);
        }

        return new HomeWatch(watchers, dirs);

        void SignalIfWatched(string? name)
        {
            if (WatchedDirs.Contains(name, StringComparer.Ordinal))
            {
                Signal();
            }
        }
    }

    private void Signal()
    {
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another change got there first: one run covers both.
            }
        }
    }

    public override void Dispose()
    {
        foreach (var watch in _watchers.Values)
        {
            watch.Dispose();
        }

        _changed.Dispose();
        _running.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Codex session logs: {Calls} new call(s) from {Files} file(s)")]
    private partial void LogIngested(int calls, int files);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Codex session logs: {Problem}")]
    private partial void LogProblem(string problem);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Codex session logs could not be ingested: {Reason}")]
    private partial void LogFailed(string reason);

    /// <summary>The watchers of one home, and how many of its session folders existed when they were made.</summary>
    private sealed record HomeWatch(List<FileSystemWatcher> Watchers, int Dirs) : IDisposable
    {
        public void Dispose()
        {
            foreach (var watcher in Watchers)
            {
                watcher.Dispose();
            }
        }
    }
}
