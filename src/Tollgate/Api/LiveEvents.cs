using System.Text.Json;
using System.Threading.Channels;
using Tollgate.Core.Usage;

namespace Tollgate.Api;

/// <summary>
/// <c>GET /api/live</c>: server-sent events, one <c>record</c> event per stored record as the
/// writer stores it (<c>?replay=N</c> first sends the last N kept in memory, oldest first), and a
/// comment every 15 s so proxies and browsers keep the stream open. A reader that falls more
/// than 1,000 records behind loses the oldest and is told so by a <c>dropped</c> event; the
/// history is always in <c>/api/events</c>.
/// </summary>
internal static class LiveEvents
{
    private const int Backlog = 1000;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task StreamAsync(HttpContext http, LiveFeed feed, IHostApplicationLifetime lifetime)
    {
        var replay = ApiQuery.Int(http.Request, "replay", 0, 0, feed.Capacity);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;
        var dropped = 0L;
        var channel = Channel.CreateBounded<UsageRecord>(
            new BoundedChannelOptions(Backlog) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref dropped));
        void OnAdded(IReadOnlyList<UsageRecord> records)
        {
            foreach (var r in records)
            {
                channel.Writer.TryWrite(r);
            }
        }

        feed.Added += OnAdded;
        try
        {
            var response = http.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.WriteAsync(": tollgate live feed\n\n", ct);
            var sent = new HashSet<Guid>();
            foreach (var r in feed.Snapshot().Take(replay).Reverse())
            {
                sent.Add(r.Id);
                await WriteAsync(response, r, ct);
            }

            await response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    wait.CancelAfter(KeepAlive);
                    try
                    {
                        await channel.Reader.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await response.WriteAsync(": keep-alive\n\n", ct);
                        await response.Body.FlushAsync(ct);
                        continue;
                    }
                }

                if (Interlocked.Exchange(ref dropped, 0) is > 0 and var lost)
                {
                    await response.WriteAsync($"event: dropped\ndata: {{\"records\":{lost}}}\n\n", ct);
                }

                while (channel.Reader.TryRead(out var r))
                {
                    if (sent.Count == 0 || !sent.Remove(r.Id))
                    {
                        await WriteAsync(response, r, ct);
                    }
                }

                await response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left or the gateway is stopping.
        }
        finally
        {
            feed.Added -= OnAdded;
        }
    }

    private static async Task WriteAsync(HttpResponse response, UsageRecord record, CancellationToken ct)
    {
        await response.WriteAsync($"id: {record.Id:N}\nevent: record\ndata: ", ct);
        await JsonSerializer.SerializeAsync(response.Body, ApiQuery.EventView(record), Json, ct);
        await response.WriteAsync("\n\n", ct);
    }
}
