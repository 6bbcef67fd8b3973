using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using Tollgate.Core.BodyFilters;
using Tollgate.Core.Json;
using Tollgate.Core.Providers.OpenAI;
using Tollgate.Core.Usage;
using Tollgate.Metering;

namespace Tollgate.Proxy;

/// <summary>
/// Relays the Responses API WebSocket mode that Codex's built-in provider tries first. The
/// upstream socket is opened before the client's upgrade is accepted, so a refusal can be
/// answered with 426 — Codex then falls back to HTTP at once (a 404 would cost it ~8 s of
/// retries). Messages are relayed frame by frame in both directions; each client
/// <c>response.create</c> starts one metered call and the upstream's terminal event ends it.
/// </summary>
internal sealed partial class WebSocketRelay(UpstreamClients clients, BodyFilterWatcher filters, UsageWriter writer, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<WebSocketRelay> logger)
{
    private const int MaxParsedMessageBytes = 16 * 1024 * 1024;

    private static readonly HashSet<string> HandshakeHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
        "Sec-WebSocket-Protocol", "Sec-WebSocket-Accept", "Content-Length", "Transfer-Encoding", "Keep-Alive",
        "Proxy-Connection", "TE", "Trailer",
    };

    public async Task RelayAsync(HttpContext context, CallMeter handshake)
    {
        var route = handshake.Route;
        var target = new UriBuilder(string.Concat(route.BaseUrl, route.UpstreamPath, context.Request.QueryString.Value));
        target.Scheme = target.Scheme == "https" ? "wss" : "ws";

        using var upstream = new ClientWebSocket();
        upstream.Options.CollectHttpResponseDetails = true;
        upstream.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!HandshakeHeaders.Contains(name))
            {
                upstream.Options.SetRequestHeader(name, values.ToString());
            }
        }

        foreach (var protocol in context.WebSockets.WebSocketRequestedProtocols)
        {
            upstream.Options.AddSubProtocol(protocol);
        }

        try
        {
            await upstream.ConnectAsync(target.Uri, clients.For(route.BaseUrl), context.RequestAborted);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            var status = (int)upstream.HttpStatusCode;
            LogUpgradeRefused(route.Service, status, ex.GetType().Name);
            await GatewayErrors.WriteAsync(
                context,
                route.IsAnthropic,
                StatusCodes.Status426UpgradeRequired,
                GatewayErrors.WebSocketUnavailable,
                status > 0
                    ? $"Tollgate: the upstream refused the WebSocket upgrade (HTTP {status}); use HTTP."
                    : "Tollgate: the upstream WebSocket could not be opened; use HTTP.");
            return;
        }

        if (upstream.HttpResponseHeaders is { } responseHeaders)
        {
            foreach (var (name, values) in responseHeaders)
            {
                if (!HandshakeHeaders.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }
        }

        using var client = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = upstream.SubProtocol,
            KeepAliveInterval = TimeSpan.Zero, // the client and upstream ping each other through us
        });

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var session = new Session(context, handshake, writer, time);

        // On shutdown an idle socket closes at once and a busy one after its call ends, so an
        // open Codex session does not hold Ctrl+C for the whole shutdown timeout.
        using var onStopping = lifetime.ApplicationStopping.Register(session.BeginShutdown);
        var clientToUpstream = PumpAsync(client, upstream, session.OnClientMessage, () => filters.Current, stop.Token);
        var upstreamToClient = PumpAsync(upstream, client, session.OnUpstreamMessage, filter: null, stop.Token);
        var first = await Task.WhenAny(clientToUpstream, upstreamToClient, session.Closing);
        var clientEnded = first == clientToUpstream;
        if (first == session.Closing)
        {
            // Close frames both ways; the pumps then end with the peers' answers.
            await Task.WhenAll(Swallow(CloseAsync(client)), Swallow(CloseAsync(upstream)));
        }

        // Give the other direction a moment to finish its close handshake, then cut it.
        await Task.WhenAny(Task.WhenAll(clientToUpstream, upstreamToClient), Task.Delay(TimeSpan.FromSeconds(5), time, CancellationToken.None));
        await stop.CancelAsync();
        await Task.WhenAll(Swallow(clientToUpstream), Swallow(upstreamToClient));

        // A side that asked to close gets its answer even when the other side vanished
        // without a close handshake.
        await Task.WhenAll(Swallow(AnswerCloseAsync(client)), Swallow(AnswerCloseAsync(upstream)));
        session.Finish(session.ShuttingDown ? CallOutcome.GatewayStopped : clientEnded ? CallOutcome.ClientCancelled : CallOutcome.StreamCut);
    }

    private static async Task CloseAsync(WebSocket socket)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "tollgate is shutting down", timeout.Token);
        }
    }

    private static async Task AnswerCloseAsync(WebSocket socket)
    {
        if (socket.State == WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, timeout.Token);
        }
    }

    /// <summary>
    /// Relays messages from one socket to the other, frame by frame. With <paramref name="filter"/>
    /// rules in force, a text message is held until its last frame, filtered, and sent as one
    /// frame (a message too large to parse is relayed unfiltered).
    /// </summary>
    private static async Task PumpAsync(WebSocket from, WebSocket to, Action<ReadOnlySpan<byte>> onTextMessage, Func<BodyFilter>? filter, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var message = new ArrayBufferWriter<byte>(4096);
        var oversized = false;
        BodyFilter? holding = null;
        try
        {
            while (true)
            {
                var result = await from.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (to.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await to.CloseOutputAsync(from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription, cancellationToken);
                    }

                    return;
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, cancellationToken);
                    continue;
                }

                if (message.WrittenCount == 0 && !oversized && filter?.Invoke() is { IsEmpty: false } rules)
                {
                    holding = rules; // the first frame of a message: the rules in force now apply to all of it
                }

                if (!oversized && message.WrittenCount + result.Count <= MaxParsedMessageBytes)
                {
                    message.Write(buffer.AsSpan(0, result.Count));
                }
                else
                {
                    oversized = true;
                    if (holding is not null)
                    {
                        // Too large to hold: what was held goes on unfiltered, the rest streams.
                        await to.SendAsync(message.WrittenMemory, WebSocketMessageType.Text, endOfMessage: false, cancellationToken);
                        holding = null;
                    }
                }

                if (holding is not null)
                {
                    if (result.EndOfMessage)
                    {
                        ReadOnlyMemory<byte> whole = holding.Apply(message.WrittenSpan, out _) ?? message.WrittenMemory.ToArray();
                        onTextMessage(whole.Span); // registered before it is sent: the answer must find its call
                        await to.SendAsync(whole, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                        message.ResetWrittenCount();
                        holding = null;
                    }

                    continue;
                }

                // A message is registered before its last fragment is forwarded: the other side
                // may answer at once, and its answer must find the call it belongs to.
                if (result.EndOfMessage)
                {
                    if (!oversized)
                    {
                        onTextMessage(message.WrittenSpan);
                    }

                    message.ResetWrittenCount();
                    oversized = false;
                }

                await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task Swallow(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The other side went away; the session records how the calls ended.
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "The {Service} upstream refused the WebSocket upgrade (HTTP {Status}, {Error}); answered 426 so the client falls back to HTTP")]
    private partial void LogUpgradeRefused(string service, int status, string error);

    /// <summary>The calls on one socket: Codex sends one <c>response.create</c> at a time.</summary>
    private sealed class Session(HttpContext context, CallMeter handshake, UsageWriter writer, TimeProvider time)
    {
        private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(20);
        private readonly Lock _gate = new();
        private readonly Queue<(CallMeter Meter, CallUsage Usage)> _calls = new();
        private readonly TaskCompletionSource _closing = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ResponsesEventReader? _reader;

        public bool ShuttingDown { get; private set; }

        /// <summary>Completes when the gateway wants this socket closed (shutdown, once no call is in flight).</summary>
        public Task Closing => _closing.Task;

        public void BeginShutdown()
        {
            lock (_gate)
            {
                ShuttingDown = true;
                if (_calls.Count == 0)
                {
                    _closing.TrySetResult();
                    return;
                }
            }

            _ = Task.Delay(ShutdownGrace, time).ContinueWith(_ => _closing.TrySetResult(), TaskScheduler.Default);
        }

        public void OnClientMessage(ReadOnlySpan<byte> message)
        {
            if (!JsonPeek.TryGetTopLevelType(message, out var type) || !type.SequenceEqual("response.create"u8))
            {
                return;
            }

            var meter = new CallMeter(handshake.Route, Stopwatch.GetTimestamp(), time.GetUtcNow())
            {
                SessionId = handshake.SessionId,
                Request = (RequestInfo.Read(message) ?? RequestInfo.Empty) with { Stream = true },
            };
            meter.SessionId ??= meter.Request.PromptCacheKey;
            lock (_gate)
            {
                _calls.Enqueue((meter, new CallUsage()));
            }
        }

        public void OnUpstreamMessage(ReadOnlySpan<byte> message)
        {
            lock (_gate)
            {
                if (!_calls.TryPeek(out var current))
                {
                    return; // frames outside a call (e.g. a stray rate-limit event)
                }

                current.Meter.MarkChunk();
                _reader ??= new ResponsesEventReader(current.Usage, time);
                _reader.Target = current.Usage;
                if (_reader.OnEvent(default, message))
                {
                    _calls.Dequeue();
                    Record(current.Meter, current.Usage, CallOutcome.Success);
                    if (ShuttingDown && _calls.Count == 0)
                    {
                        _closing.TrySetResult();
                    }
                }
            }
        }

        public void Finish(CallOutcome outcome)
        {
            lock (_gate)
            {
                while (_calls.TryDequeue(out var call))
                {
                    Record(call.Meter, call.Usage, outcome);
                }
            }
        }

        private void Record(CallMeter meter, CallUsage usage, CallOutcome outcome)
        {
            var status = usage.ErrorStatus ?? (outcome == CallOutcome.Success ? StatusCodes.Status200OK : 499);
            writer.Enqueue(UsageRecords.Build(context, meter, usage, outcome, transport: "websocket", status: status));
        }
    }
}
