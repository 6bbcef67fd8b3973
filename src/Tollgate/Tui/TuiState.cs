namespace Tollgate.Tui;

/// <summary>
/// The three screens' models and the background work that keeps them current: the live feed
/// (rows appear as calls are stored), totals re-read within a second of new calls (and every
/// 15 s), accounts and limits every 3 s. All of it runs off the UI loop; the UI polls
/// <see cref="Version"/> and redraws when it moved, at most ten times a second.
/// </summary>
internal sealed partial class TuiState
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>How long a message stays in the status bar before the key hints come back.</summary>
    private static readonly TimeSpan StatusShown = TimeSpan.FromSeconds(10);
    private readonly ITuiDataSource _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<Task> _pending = [];
    private long _version;
    private int _totalsStale;
    private (string Text, DateTimeOffset At) _status = ("", DateTimeOffset.MinValue);

    public TuiState(ITuiDataSource source, IAccountEditor editor, TimeProvider time, TimeZoneInfo zone, ILogger logger)
    {
        _source = source;
        _time = time;
        _logger = logger;
        Usage = new UsageScreenModel(source, time, zone);
        Accounts = new AccountsScreenModel(source, editor, time);
        Limits = new LimitsScreenModel(source, time);
    }

    public UsageScreenModel Usage { get; }

    public AccountsScreenModel Accounts { get; }

    public LimitsScreenModel Limits { get; }

    public string Description => _source.Description;

    /// <summary>Moves whenever something shown changed.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The last message for the status bar (an account change's answer, a lost connection) for 10 s; then empty.</summary>
    public string Status
    {
        get
        {
            lock (_gate)
            {
                return _time.GetUtcNow() - _status.At < StatusShown ? _status.Text : "";
            }
        }
    }

    public void SetStatus(string status)
    {
        lock (_gate)
        {
            _status = (status, _time.GetUtcNow());
        }

        Changed();
    }

    /// <summary>Loads every screen once; what fails is said in the status bar.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await GuardAsync(Usage.LoadRecentAsync, cancellationToken);
        await GuardAsync(Usage.RefreshTotalsAsync, cancellationToken);
        await GuardAsync(Accounts.RefreshAsync, cancellationToken);
        await GuardAsync(Limits.RefreshAsync, cancellationToken);
        Changed();
    }

    /// <summary>Keeps the screens current until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(WatchAsync(cancellationToken), RefreshAsync(cancellationToken));

    /// <summary>Runs a change (an account added, say) off the UI loop; its answer goes to the status bar.</summary>
    public void Start(Func<CancellationToken, Task<string>> change, CancellationToken cancellationToken)
    {
        var task = Task.Run(
            async () =>
            {
                try
                {
                    SetStatus(await change(cancellationToken));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogChangeFailed(e);
                    SetStatus($"That did not work: {e.Message}");
                }
                catch (OperationCanceledException)
                {
                    // given up with the UI: nothing to say, and DrainAsync must not fail on it
                }
            },
            CancellationToken.None);
        lock (_gate)
        {
            _pending.RemoveAll(t => t.IsCompleted);
            _pending.Add(task);
        }
    }

    /// <summary>Waits for changes still running (an account being written), so quitting never cuts one off.</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_pending);
        }
    }

    private void Changed() => Interlocked.Increment(ref _version);

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var row in _source.WatchAsync(cancellationToken))
                {
                    Interlocked.Exchange(ref _totalsStale, 1); // before the row shows, so a tick that sees the row refreshes the totals
                    Usage.Add([row]);
                    Changed();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLiveFeedLost(e);
                SetStatus($"Live feed lost ({e.Message}); retrying.");
            }

            if (!await DelayAsync(TimeSpan.FromSeconds(2), cancellationToken))
            {
                return;
            }

            // Calls stored while the feed was down come from the store.
            await GuardAsync(Usage.LoadRecentAsync, cancellationToken);
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Tick, _time);
        for (var tick = 1L; await NextAsync(timer, cancellationToken); tick++)
        {
            if (Interlocked.Exchange(ref _totalsStale, 0) == 1 || tick % 15 == 0)
            {
                await GuardAsync(Usage.RefreshTotalsAsync, cancellationToken);
            }

            if (tick % 3 == 0)
            {
                await GuardAsync(Accounts.RefreshAsync, cancellationToken);
                await GuardAsync(Limits.RefreshAsync, cancellationToken);
            }

            Changed(); // countdowns and cooldowns move every second
        }
    }

    private async Task GuardAsync(Func<CancellationToken, Task> refresh, CancellationToken cancellationToken)
    {
        try
        {
            await refresh(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Quitting.
        }
        catch (Exception e)
        {
            // The background loop's edge: a gateway gone away (attached) or a busy database must not end the UI.
            LogRefreshFailed(e);
            SetStatus($"Cannot read the data ({e.Message}); retrying.");
        }
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "TUI: the live feed was lost; retrying")]
    private partial void LogLiveFeedLost(Exception error);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "TUI: a refresh failed")]
    private partial void LogRefreshFailed(Exception error);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "TUI: an account change failed")]
    private partial void LogChangeFailed(Exception error);
}
