using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Usage;

/// <summary>
/// Takes finished records off the request path and writes them in batched transactions.
/// <see cref="Enqueue"/> never blocks and never drops: when the bounded channel is full the
/// record spills into an overflow queue that the writer drains first. Costs are computed here.
/// <see cref="StopAsync"/>
/// writes everything still queued before it returns.
/// </summary>
public sealed partial class UsageWriter : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private readonly TimeSpan _linger;
    private readonly TimeProvider _time;
    private readonly IUsageStore _store;
    private readonly PriceTable _prices;
    private readonly LiveFeed _live;
    private readonly RequestLog? _requestLog;
    private readonly ILogger _logger;
    private readonly Channel<UsageRecord> _channel;
    private readonly ConcurrentQueue<UsageRecord> _spill = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _spilled;
    private long _written;
    private long _failedBatches;

    /// <param name="linger">
    /// How long the writer waits after the first record of a batch for more to join it (not when
    /// a whole batch is already waiting). One transaction per record would cost far more CPU than
    /// the forwarding itself.
    /// </param>
    public UsageWriter(
        IUsageStore store, PriceTable prices, LiveFeed live, RequestLog? requestLog, ILogger<UsageWriter> logger, int capacity = 8192, TimeSpan? linger = null, TimeProvider? time = null)
    {
        _linger = linger ?? TimeSpan.FromMilliseconds(50);
        _time = time ?? TimeProvider.System;
        _store = store;
        _prices = prices;
        _live = live;
        _requestLog = requestLog;
        _logger = logger;
        _channel = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Raised on the writer's loop after a batch is committed to the store.</summary>
    public event Action<IReadOnlyList<UsageRecord>>? Persisted;

    /// <summary>Records that went to the overflow queue because the channel was full.</summary>
    public long Spilled => Interlocked.Read(ref _spilled);

    /// <summary>Records written to the store.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Hands a finished record to the writer. Never blocks, never throws for a full queue.</summary>
    public void Enqueue(UsageRecord record)
    {
        if (!_channel.Writer.TryWrite(record))
        {
            _spill.Enqueue(record);
            Interlocked.Increment(ref _spilled);
        }
    }

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token));

    /// <summary>Stops taking records and writes everything already queued.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _channel.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
        }

        // Records that spilled after the loop ended (a race with shutdown) are written here.
        await DrainSpillAsync(cancellationToken);
        _requestLog?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<UsageRecord>(MaxBatch);
        while (true)
        {
            bool more;
            try
            {
                more = await _channel.Reader.WaitToReadAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                more = false;
            }

            // Let a batch form, unless one is already waiting: lingering before every batch would
            // cap the writer at a batch per linger (about 10,000 records a second), and the rest
            // would pile up in memory. A shutdown (the channel completing) ends the wait early.
            if (more && _linger > TimeSpan.Zero && !cancellationToken.IsCancellationRequested && _spill.IsEmpty && _channel.Reader.Count < MaxBatch)
            {
                await Task.WhenAny(Task.Delay(_linger, _time, CancellationToken.None), _channel.Reader.Completion);
            }

            while (batch.Count < MaxBatch && _spill.TryDequeue(out var spilled))
            {
                batch.Add(spilled);
            }

            while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            if (batch.Count > 0)
            {
                await WriteBatchAsync(batch);
                batch.Clear();
                continue;
            }

            if (!more)
            {
                return;
            }
        }
    }

    private async Task DrainSpillAsync(CancellationToken cancellationToken)
    {
        var batch = new List<UsageRecord>();
        while (_spill.TryDequeue(out var r) || _channel.Reader.TryRead(out r))
        {
            batch.Add(r);
        }

        if (batch.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await WriteBatchAsync(batch);
        }
    }

    private async Task WriteBatchAsync(List<UsageRecord> batch)
    {
        // Pricing happens here, off the request path. Records that already carry a cost (or whose
        // usage is unknown) are left as they are.
        var copy = new UsageRecord[batch.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            var r = batch[i];
            copy[i] = r is { CostUsd: null, Usage: { } usage } ? r with { CostUsd = _prices.Cost(r.Model, usage, r.ServiceTier) } : r;
        }

        try
        {
            _live.Add(copy);
        }
        catch (Exception ex)
        {
            LogLiveFeedFailed(ex);
        }

        // A failing disk must not lose records: retry with a growing pause, a bounded number of
        // times, then keep them in the spill queue for the next round.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.AppendAsync(copy, CancellationToken.None);
                Interlocked.Add(ref _written, copy.Length);
                Persisted?.Invoke(copy);
                break;
            }
            catch (Exception ex) when (attempt < 5)
            {
                LogStoreRetry(ex, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failedBatches);
                LogStoreFailed(ex, copy.Length);
                foreach (var r in copy)
                {
                    _spill.Enqueue(r);
                }

                return;
            }
        }

        try
        {
            _requestLog?.Append(copy);
        }
        catch (IOException ex)
        {
            LogRequestLogFailed(ex);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Writing usage records failed (attempt {Attempt}); retrying")]
    private partial void LogStoreRetry(Exception ex, int attempt);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Writing {Count} usage records failed; they stay queued")]
    private partial void LogStoreFailed(Exception ex, int count);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Appending to the request log failed")]
    private partial void LogRequestLogFailed(Exception ex);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "A live-feed subscriber failed")]
    private partial void LogLiveFeedFailed(Exception ex);
}
