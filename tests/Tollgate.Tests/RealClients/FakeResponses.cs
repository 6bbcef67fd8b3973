using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.RealClients;

/// <summary>One Responses API stream event: an SSE <c>event:</c>/<c>data:</c> pair or one WebSocket text frame.</summary>
internal sealed record FakeEvent(string Type, string Json);

/// <summary>
/// The OpenAI Responses answers that the real Codex CLI 0.169 accepts with no retry, over SSE
/// and over the Responses WebSocket mode (ported from the research fake upstream). Codex needs
/// <c>response.completed</c> with a <c>response.id</c> and takes the reply text only from
/// <c>response.output_item.done</c>; anything less costs it five retries.
/// </summary>
internal static class FakeResponses
{
    private const long CreatedAt = 1795435671;

    /// <summary>The full eight-event sequence the real API streams for a one-message answer.</summary>
    public static IReadOnlyList<FakeEvent> Turn(string responseId, string model, string text, OpenAITokens tokens)
    {
        var messageId = "msg_" + responseId;
        var part = new { type = "output_text", text, annotations = Array.Empty<object>() };
        var message = new { id = messageId, type = "message", status = "completed", role = "assistant", content = new[] { part } };
        var textRef = new { item_id = messageId, output_index = 0, content_index = 0 };
        return
        [
            Event("response.created", new { response = Response(responseId, model, "in_progress", [], usage: null) }),
            Event("response.output_item.added", new { output_index = 0, item = new { id = messageId, type = "message", status = "in_progress", role = "assistant", content = Array.Empty<object>() } }),
            Event("response.content_part.added", new { textRef.item_id, textRef.output_index, textRef.content_index, part = part with { text = "" } }),
            Event("response.output_text.delta", new { textRef.item_id, textRef.output_index, textRef.content_index, delta = text }),
            Event("response.output_text.done", new { textRef.item_id, textRef.output_index, textRef.content_index, text }),
            Event("response.content_part.done", new { textRef.item_id, textRef.output_index, textRef.content_index, part }),
            Event("response.output_item.done", new { output_index = 0, item = message }),
            Event("response.completed", new { response = Response(responseId, model, "completed", [message], tokens) }),
        ];
    }

    /// <summary>The answer to Codex's <c>generate: false</c> warm-up: created, then completed with no output.</summary>
    public static IReadOnlyList<FakeEvent> Warmup(string responseId, string model, OpenAITokens tokens) =>
    [
        Event("response.created", new { response = Response(responseId, model, "in_progress", [], usage: null) }),
        Event("response.completed", new { response = Response(responseId, model, "completed", [], tokens) }),
    ];

    /// <summary>Streams the events as <c>text/event-stream</c>, one flush per event.</summary>
    public static Task WriteSseAsync(HttpResponse response, IEnumerable<FakeEvent> events) =>
        Wire.WriteSseAsync(response, events.Select(e => Wire.Sse(e.Type, e.Json)));

    /// <summary>
    /// Accepts a Responses WebSocket and answers each <c>response.create</c> frame with the
    /// events <paramref name="answer"/> picks, one text frame each; the socket stays open for the
    /// next one. Every client frame is kept in <paramref name="received"/>. Ends when the client
    /// closes or (as Codex does at exit) drops the connection.
    /// </summary>
    public static async Task ServeSocketAsync(HttpContext context, Func<JsonElement, IReadOnlyList<FakeEvent>> answer, ConcurrentQueue<string> received)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        try
        {
            while (await ReceiveTextAsync(socket, buffer, context.RequestAborted) is { } frame)
            {
                received.Enqueue(frame);
                using var doc = JsonDocument.Parse(frame);
                if (doc.RootElement.GetProperty("type").GetString() != "response.create")
                {
                    continue;
                }

                foreach (var e in answer(doc.RootElement))
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(e.Json), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
                }
            }

            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // The client went away without a close handshake.
        }
    }

    private static async Task<string?> ReceiveTextAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }

    private static JsonObject Response(string id, string model, string status, object[] output, OpenAITokens? usage) => new()
    {
        ["id"] = id,
        ["object"] = "response",
        ["created_at"] = CreatedAt,
        ["status"] = status,
        ["model"] = model,
        ["output"] = JsonSerializer.SerializeToNode(output),
        ["usage"] = usage is null ? null : JsonNode.Parse(Wire.ResponsesUsage(usage)),
    };

    private static FakeEvent Event(string type, object payload)
    {
        var node = JsonSerializer.SerializeToNode(payload)!.AsObject();
        node.Insert(0, "type", type);
        return new FakeEvent(type, node.ToJsonString());
    }
}
