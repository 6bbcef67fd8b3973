using Tollgate.Core.Usage;

namespace Tollgate.Dashboard;

/// <summary>
/// Tells open dashboard pages that records were stored (after the writer committed them, so a
/// page that reads the store sees them). Each page gets its own <see cref="RenderThrottle"/>:
/// a burst of calls costs it at most one refresh a second, never one per record.
/// </summary>
internal sealed partial class LiveUpdates : IDisposable
{
    /// <summary>The shortest time between two refreshes of one page.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly UsageWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveUpdates> _logger;
    private readonly Lock _gate = new();
    private readonly List<RenderThrottle> _pages = [];

    public LiveUpdates(UsageWriter writer, TimeProvider time, ILogger<LiveUpdates> logger)
    {
        _writer = writer;
        _time = time;
        _logger = logger;
        _writer.Persisted += OnPersisted;
    }

    /// <summary>Calls <paramref name="refresh"/> after new records, at most once per <see cref="Interval"/>, until disposed.</summary>
    public IDisposable Subscribe(Func<Task> refresh)
    {
        var throttle = new RenderThrottle(Interval, _time, refresh, LogRefreshFailed);
        lock (_gate)
        {
            _pages.Add(throttle);
        }

        return new Subscription(this, throttle);
    }

    public void Dispose() => _writer.Persisted -= OnPersisted;

    private void OnPersisted(IReadOnlyList<UsageRecord> records)
    {
        RenderThrottle[] pages;
        lock (_gate)
        {
            pages = [.. _pages];
        }

        foreach (var page in pages)
        {
            page.Poke();
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "A dashboard page failed to refresh after new records")]
    private partial void LogRefreshFailed(Exception exception);

    private sealed class Subscription(LiveUpdates owner, RenderThrottle throttle) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._pages.Remove(throttle);
            }

            throttle.Dispose();
        }
    }
}

/// <summary>
/// Runs an action after a poke, but never twice within the interval: pokes that come sooner
/// are folded into one run at the end of it. The action never runs concurrently with itself.
/// </summary>
internal sealed class RenderThrottle : IDisposable
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Func<Task> _action;
    private readonly Action<Exception>? _failed;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private long? _lastRun;
    private bool _scheduled;
    private bool _running;
    private bool _again;
    private bool _disposed;

    /// <param name="failed">Told when the action throws (it runs on a timer, where nobody else would see it).</param>
    public RenderThrottle(TimeSpan interval, TimeProvider time, Func<Task> action, Action<Exception>? failed = null)
    {
        _interval = interval;
        _time = time;
        _action = action;
        _failed = failed;
        _timer = time.CreateTimer(_ => _ = RunAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many times the action ran (for tests).</summary>
    public int Runs { get; private set; }

    public void Poke()
    {
        TimeSpan? due;
        lock (_gate)
        {
            if (_running)
            {
                _again = true; // the run in progress may have read the store before these records
                return;
            }

            due = ScheduleLocked();
        }

        Arm(due);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    /// <summary>Marks a run as scheduled and says when it is due; null when one already is. The timer is armed outside the lock.</summary>
    private TimeSpan? ScheduleLocked()
    {
        if (_scheduled || _disposed)
        {
            return null;
        }

        _scheduled = true;
        var wait = _lastRun is { } last ? _interval - _time.GetElapsedTime(last) : TimeSpan.Zero;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    private void Arm(TimeSpan? due)
    {
        if (due is { } d)
        {
            try
            {
                _timer.Change(d, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Disposed between the decision and the arming: nothing more to run.
            }
        }
    }

    private async Task RunAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _scheduled = false;
            _running = true;
            _lastRun = _time.GetTimestamp();
            Runs++;
        }

        try
        {
            await _action();
        }
        catch (ObjectDisposedException)
        {
            // The page's circuit went away between the poke and the run.
        }
        catch (Exception ex)
        {
            // A timer callback is an edge: a failed refresh is logged, and the next poke tries again.
            _failed?.Invoke(ex);
        }
        finally
        {
            TimeSpan? due = null;
            lock (_gate)
            {
                _running = false;
                if (_again)
                {
                    _again = false;
                    due = ScheduleLocked();
                }
            }

            Arm(due);
        }
    }
}
