using System.Text.Json;
using System.Text.Unicode;
using System.Threading.Channels;

namespace Tollgate.Proxy;

/// <summary>What the forwarding path tells the body log: the request body as it went upstream (decoded, filtered).</summary>
internal sealed class BodyLogCapture
{
    public ReadOnlyMemory<byte>? RequestBody { get; set; }
    public bool Filtered { get; set; }
}

/// <summary>
/// The opt-in body log (<c>TOLLGATE_LOG_BODIES=&lt;file&gt;</c> or <c>[logging] body_log</c>): every
/// request and its response as two JSON lines, headers with credentials and cookies redacted,
/// bodies as UTF-8 text or base64 (the first 4 MiB of each). The proxy only queues entries; one
/// writer appends them. The queue is bounded by bytes: when the disk falls behind, entries are
/// dropped with a warning (and a <c>dropped</c> line in the file) instead of slowing the proxy.
/// Nothing else in Tollgate ever writes a body anywhere.
/// </summary>
internal sealed partial class BodyLog(string path, TimeProvider time, ILogger<BodyLog> logger, long maxQueuedBytes = 64L * 1024 * 1024) : IHostedService
{
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    private static readonly HashSet<string> Redacted = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie",
    };

    private readonly Channel<Entry> _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;
    private long _dropped;
    private volatile bool _broken;
    private Task _writer = Task.CompletedTask;

    public string Path => path;

    /// <summary>Runs one request with its bodies captured, then queues its two entries.</summary>
    public async Task HandleAsync(HttpContext context, Func<HttpContext, Task> next)
    {
        var capture = new BodyLogCapture();
        context.Features.Set(capture);
        var started = time.GetUtcNow();
        var request = context.Request;
        var requestHeaders = Headers(request.Headers);
        var requestBody = new CaptureStream(request.Body, MaxBodyBytes);
        request.Body = requestBody;
        var clientBody = context.Response.Body;
        var responseBody = new CaptureStream(clientBody, MaxBodyBytes);
        context.Response.Body = responseBody;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = clientBody;
            var sent = capture.RequestBody is { } seen ? Body.Of(seen, seen.Length) : Body.Of(requestBody.Captured, requestBody.Total);
            Enqueue(new Entry(started, context.TraceIdentifier, "request", sent, requestHeaders)
            {
                Method = request.Method,
                Target = request.Path.Value + request.QueryString.Value,
                WebSocket = context.WebSockets.IsWebSocketRequest,
                Filtered = capture.Filtered,
            });
            Enqueue(new Entry(time.GetUtcNow(), context.TraceIdentifier, "response", Body.Of(responseBody.Captured, responseBody.Total), Headers(context.Response.Headers))
            {
                Status = context.Response.StatusCode,
                DurationMs = (time.GetUtcNow() - started).TotalMilliseconds,
            });
        }
    }

    private void Enqueue(Entry entry)
    {
        if (_broken)
        {
            return;
        }

        var size = entry.Body.Bytes.Length + 1024;
        if (Interlocked.Add(ref _queuedBytes, size) > maxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            if (Interlocked.Increment(ref _dropped) == 1)
            {
                LogFallingBehind(path);
            }

            return;
        }

        entry.Size = size;
        _queue.Writer.TryWrite(entry);
    }

    /// <summary>Opens the file (created 0600) and starts the writer; a file that cannot be opened is logged, and bodies are then not kept.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // bodies are the user's prompts
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var file = new FileStream(path, options);
            _writer = Task.Run(() => WriteAsync(file), CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _broken = true;
            LogWriteFailed(path, e.Message);
        }

        return Task.CompletedTask;
    }

    /// <summary>Writes what is queued, then stops (or gives up when the host's shutdown time is over).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _writer.WaitAsync(cancellationToken);
    }

    private async Task WriteAsync(FileStream file)
    {
        await using var _ = file;
        await using var json = new Utf8JsonWriter(file);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
            {
                while (_queue.Reader.TryRead(out var entry))
                {
                    Interlocked.Add(ref _queuedBytes, -entry.Size);
                    WriteDropped(json, file);
                    Write(json, entry);
                    await json.FlushAsync(CancellationToken.None);
                    file.WriteByte((byte)'\n');
                    json.Reset();
                }

                WriteDropped(json, file);
                await file.FlushAsync(CancellationToken.None);
            }
        }
        catch (IOException e)
        {
            _broken = true;
            LogWriteFailed(path, e.Message);
        }
    }

    private void WriteDropped(Utf8JsonWriter json, FileStream file)
    {
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped == 0)
        {
            return;
        }

        LogDropped(path, dropped);
        json.WriteStartObject();
        json.WriteString("time", time.GetUtcNow());
        json.WriteString("type", "dropped");
        json.WriteNumber("entries", dropped);
        json.WriteEndObject();
        json.Flush();
        file.WriteByte((byte)'\n');
        json.Reset();
    }

    private static void Write(Utf8JsonWriter json, Entry entry)
    {
        json.WriteStartObject();
        json.WriteString("time", entry.Time);
        json.WriteString("id", entry.Id);
        json.WriteString("type", entry.Type);
        if (entry.Method is not null)
        {
            json.WriteString("method", entry.Method);
            json.WriteString("target", entry.Target);
            if (entry.WebSocket)
            {
                json.WriteBoolean("websocket", true); // frames are not logged
            }

            json.WriteBoolean("filtered", entry.Filtered);
        }
        else
        {
            json.WriteNumber("status", entry.Status);
            json.WriteNumber("durationMs", Math.Round(entry.DurationMs, 1));
        }

        json.WriteStartObject("headers");
        foreach (var (name, value) in entry.Headers)
        {
            json.WriteString(name, value);
        }

        json.WriteEndObject();
        json.WriteNumber("bodyBytes", entry.Body.Total);
        json.WriteBoolean("truncated", entry.Body.Total > entry.Body.Bytes.Length);
        var text = Utf8Prefix(entry.Body.Bytes.Span, entry.Body.Total > entry.Body.Bytes.Length);
        if (text >= 0)
        {
            json.WriteString("bodyEncoding", "utf8");
            json.WriteString("body", entry.Body.Bytes.Span[..text]);
        }
        else
        {
            json.WriteString("bodyEncoding", "base64");
            json.WriteBase64String("body", entry.Body.Bytes.Span);
        }

        json.WriteEndObject();
    }

    /// <summary>The length of the body as UTF-8 text, or -1 when it is not text. A cut body may end inside a character.</summary>
    private static int Utf8Prefix(ReadOnlySpan<byte> body, bool truncated)
    {
        for (var cut = 0; cut <= (truncated ? Math.Min(3, body.Length) : 0); cut++)
        {
            if (Utf8.IsValid(body[..^cut]))
            {
                return body.Length - cut;
            }
        }

        return -1;
    }

    private static List<KeyValuePair<string, string>> Headers(IHeaderDictionary headers) =>
        headers.Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), Redacted.Contains(h.Key) ? "[redacted]" : h.Value.ToString())).ToList();

    /// <summary>A captured body: its first bytes and how many there were in all.</summary>
    private readonly record struct Body(ReadOnlyMemory<byte> Bytes, long Total)
    {
        public static Body Of(ReadOnlyMemory<byte> bytes, long total) => new(bytes.Length > MaxBodyBytes ? bytes[..MaxBodyBytes] : bytes, total);
    }

    private sealed record Entry(DateTimeOffset Time, string Id, string Type, Body Body, List<KeyValuePair<string, string>> Headers)
    {
        public string? Method { get; init; }
        public string? Target { get; init; }
        public bool WebSocket { get; init; }
        public bool Filtered { get; init; }
        public int Status { get; init; }
        public double DurationMs { get; init; }
        public long Size { get; set; }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "The body log {Path} is falling behind; entries are dropped until it catches up")]
    private partial void LogFallingBehind(string path);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "The body log {Path} dropped {Count} entries while it was behind")]
    private partial void LogDropped(string path, long count);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "The body log {Path} cannot be written ({Error}); bodies are no longer logged")]
    private partial void LogWriteFailed(string path, string error);
}
