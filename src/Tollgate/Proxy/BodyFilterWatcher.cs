using Tollgate.Core.BodyFilters;

namespace Tollgate.Proxy;

/// <summary>
/// Keeps the gateway's <see cref="BodyFilter"/> current: looks at <c>filter.json</c>'s size and
/// modification time four times a second and reloads it when either changed, so an edit applies
/// within a second. A file that does not load keeps the last good rules and logs why; a deleted
/// file means no rules. The first load runs as the host starts, before the first request.
/// </summary>
internal sealed partial class BodyFilterWatcher(string path, TimeProvider time, ILogger<BodyFilterWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private volatile BodyFilter _current = BodyFilter.None;
    private (bool Exists, long Length, DateTime Modified) _seen;

    private TaskCompletionSource<string?> _nextLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The rules to apply now (never null; empty when there are none).</summary>
    public BodyFilter Current => _current;

    /// <summary>Completes when the file is next read after a change, with why it was refused (null when its rules are now in force).</summary>
    public Task<string?> NextLoad => Volatile.Read(ref _nextLoad).Task;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Here, not in ExecuteAsync (which runs on its own since .NET 10): the first request must find the rules.
        _seen = Stat(path);
        if (_seen.Exists)
        {
            Reload();
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var stat = Stat(path);
            if (stat != _seen)
            {
                _seen = stat;
                Reload();
            }
        }
    }

    private void Reload()
    {
        var result = BodyFilterFile.Load(path);
        string? error = null;
        if (result.Filter is null)
        {
            error = string.Join("; ", result.Errors);
            LogInvalid(path, error, _current.Rules.Count);
        }
        else
        {
            _current = result.Filter;
            LogLoaded(path, result.Filter.Rules.Count);
        }

        Interlocked.Exchange(ref _nextLoad, new(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult(error);
    }

    private static (bool, long, DateTime) Stat(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (true, info.Length, info.LastWriteTimeUtc) : (false, 0, default);
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Request body filters reloaded from {Path}: {Count} rule(s)")]
    private partial void LogLoaded(string path, int count);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Request body filters in {Path} were not applied: {Errors}. The last good rules ({Count}) stay in force.")]
    private partial void LogInvalid(string path, string errors, int count);
}
