using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Token counts a fake upstream reports, in the API's own terms.</summary>
internal sealed record OpenAITokens(int Input, int Cached, int Output, int Reasoning);

/// <summary>One stream event: an SSE <c>event:</c>/<c>data:</c> pair, or one WebSocket text frame.</summary>
internal sealed record WireEvent(string Type, string Json)
{
    public string Sse => $"event: {Type}\ndata: {Json}\n\n";
}

/// <summary>Anthropic's additive counts: input excludes cache reads and writes.</summary>
internal sealed record AnthropicTokens(int Input, int CacheWrite, int CacheRead, int Output);

/// <summary>
/// The wire formats the fake upstream speaks, byte for byte as the real APIs shape them, so
/// the official SDKs accept them.
/// </summary>
internal static class Wire
{
    public static string ResponsesUsage(OpenAITokens t) => JsonSerializer.Serialize(new
    {
        input_tokens = t.Input,
        input_tokens_details = new { cached_tokens = t.Cached },
        output_tokens = t.Output,
        output_tokens_details = new { reasoning_tokens = t.Reasoning },
        total_tokens = t.Input + t.Output,
    });

    /// <summary>A Responses JSON body (non-streamed answer) with one output message.</summary>
    public static string ResponseObject(string id, string model, string text, OpenAITokens? usage, string status = "completed") =>
        Response(id, model, status, [Message(id, text)], usage).ToJsonString();

    /// <summary>
    /// The events of a Responses stream for a one-message answer, one text delta per entry of
    /// <paramref name="deltas"/>: the sequence the real Codex CLI accepts with no retry (it needs
    /// <c>response.completed</c> with an id and takes the text from <c>response.output_item.done</c>).
    /// The same JSON serves as SSE <c>data:</c> payloads and as WebSocket frames.
    /// </summary>
    public static IReadOnlyList<WireEvent> ResponsesEvents(string id, string model, IReadOnlyList<string> deltas, OpenAITokens usage)
    {
        var text = string.Concat(deltas);
        var messageId = "msg_" + id;
        var part = new { type = "output_text", text, annotations = Array.Empty<object>() };
        var textRef = new { item_id = messageId, output_index = 0, content_index = 0 };
        var events = new List<WireEvent>
        {
            Event("response.created", new { response = Response(id, model, "in_progress", [], usage: null) }),
            Event("response.output_item.added", new { output_index = 0, item = new { id = messageId, type = "message", status = "in_progress", role = "assistant", content = Array.Empty<object>() } }),
            Event("response.content_part.added", new { textRef.item_id, textRef.output_index, textRef.content_index, part = part with { text = "" } }),
        };
        events.AddRange(deltas.Select(delta => Event("response.output_text.delta", new { textRef.item_id, textRef.output_index, textRef.content_index, delta })));
        events.Add(Event("response.output_text.done", new { textRef.item_id, textRef.output_index, textRef.content_index, text }));
        events.Add(Event("response.content_part.done", new { textRef.item_id, textRef.output_index, textRef.content_index, part }));
        events.Add(Event("response.output_item.done", new { output_index = 0, item = Message(id, text) }));
        events.Add(Event("response.completed", new { response = Response(id, model, "completed", [Message(id, text)], usage) }));
        return events;
    }

    /// <summary>The answer to Codex's <c>generate: false</c> warm-up on the WebSocket: created, then completed with no output.</summary>
    public static IReadOnlyList<WireEvent> ResponsesWarmupEvents(string id, string model, OpenAITokens usage) =>
    [
        Event("response.created", new { response = Response(id, model, "in_progress", [], usage: null) }),
        Event("response.completed", new { response = Response(id, model, "completed", [], usage) }),
    ];

    /// <summary><see cref="ResponsesEvents"/> as SSE text.</summary>
    public static IReadOnlyList<string> ResponsesSseEvents(string id, string model, IReadOnlyList<string> deltas, OpenAITokens usage) =>
        ResponsesEvents(id, model, deltas, usage).Select(e => e.Sse).ToList();

    private static JsonObject Message(string id, string text) => new()
    {
        ["id"] = "msg_" + id,
        ["type"] = "message",
        ["status"] = "completed",
        ["role"] = "assistant",
        ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray() }),
    };

    private static JsonObject Response(string id, string model, string status, JsonObject[] output, OpenAITokens? usage) => new()
    {
        ["id"] = id,
        ["object"] = "response",
        ["created_at"] = 1795435671,
        ["status"] = status,
        ["model"] = model,
        ["output"] = new JsonArray(output.Select(o => (JsonNode)o.DeepClone()).ToArray()),
        ["parallel_tool_calls"] = true,
        ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(),
        ["usage"] = usage is null ? null : JsonNode.Parse(ResponsesUsage(usage)),
    };

    private static WireEvent Event(string type, object payload)
    {
        var node = JsonSerializer.SerializeToNode(payload)!.AsObject();
        node.Insert(0, "type", type);
        return new WireEvent(type, node.ToJsonString());
    }

    public static string ChatJson(string id, string model, string text, OpenAITokens t) =>
        $$$$"""
        {"id":"{{{{id}}}}","object":"chat.completion","created":1795435671,"model":"{{{{model}}}}","choices":[{"index":0,"message":{"role":"assistant","content":{{{{JsonSerializer.Serialize(text)}}}},"refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":{{{{t.Input}}}},"completion_tokens":{{{{t.Output}}}},"total_tokens":{{{{t.Input + t.Output}}}},"prompt_tokens_details":{"cached_tokens":{{{{t.Cached}}}}},"completion_tokens_details":{"reasoning_tokens":{{{{t.Reasoning}}}}}},"service_tier":"default"}
        """.Trim();

    public static IReadOnlyList<string> ChatSseEvents(string id, string model, IReadOnlyList<string> deltas, OpenAITokens? usage)
    {
        var events = new List<string>();
        var first = true;
        foreach (var delta in deltas)
        {
            var role = first ? "\"role\":\"assistant\"," : "";
            first = false;
            events.Add(Data($$$$"""{"id":"{{{{id}}}}","object":"chat.completion.chunk","created":1795435671,"model":"{{{{model}}}}","choices":[{"index":0,"delta":{{{{{role}}}}"content":{{{{JsonSerializer.Serialize(delta)}}}}},"finish_reason":null}],"usage":null}"""));
        }

        events.Add(Data($$$$"""{"id":"{{{{id}}}}","object":"chat.completion.chunk","created":1795435671,"model":"{{{{model}}}}","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"""));
        if (usage is { } t)
        {
            events.Add(Data($$$$"""{"id":"{{{{id}}}}","object":"chat.completion.chunk","created":1795435671,"model":"{{{{model}}}}","choices":[],"usage":{"prompt_tokens":{{{{t.Input}}}},"completion_tokens":{{{{t.Output}}}},"total_tokens":{{{{t.Input + t.Output}}}},"prompt_tokens_details":{"cached_tokens":{{{{t.Cached}}}}},"completion_tokens_details":{"reasoning_tokens":{{{{t.Reasoning}}}}}}}"""));
        }

        events.Add(Data("[DONE]"));
        return events;
    }

    public static string EmbeddingsJson(string model, int inputTokens) =>
        $$$$"""
        {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3,-0.4]}],"model":"{{{{model}}}}","usage":{"prompt_tokens":{{{{inputTokens}}}},"total_tokens":{{{{inputTokens}}}}}}
        """.Trim();

    public static string AnthropicJson(string id, string model, string text, AnthropicTokens t) =>
        $$$$"""
        {"id":"{{{{id}}}}","type":"message","role":"assistant","model":"{{{{model}}}}","content":[{"type":"text","text":{{{{JsonSerializer.Serialize(text)}}}}}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":{{{{t.Input}}}},"cache_creation_input_tokens":{{{{t.CacheWrite}}}},"cache_read_input_tokens":{{{{t.CacheRead}}}},"output_tokens":{{{{t.Output}}}}}}
        """.Trim();

    public static IReadOnlyList<string> AnthropicSseEvents(string id, string model, IReadOnlyList<string> deltas, AnthropicTokens t)
    {
        var events = new List<string>
        {
            Sse("message_start", $$$$"""{"type":"message_start","message":{"id":"{{{{id}}}}","type":"message","role":"assistant","model":"{{{{model}}}}","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":{{{{t.Input}}}},"cache_creation_input_tokens":{{{{t.CacheWrite}}}},"cache_read_input_tokens":{{{{t.CacheRead}}}},"output_tokens":1}}}"""),
            Sse("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            Sse("ping", """{"type":"ping"}"""),
        };
        foreach (var delta in deltas)
        {
            events.Add(Sse("content_block_delta", $$$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":{{{{JsonSerializer.Serialize(delta)}}}}}}"""));
        }

        events.Add(Sse("content_block_stop", """{"type":"content_block_stop","index":0}"""));
        events.Add(Sse("message_delta", $$$$"""{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":{{{{t.Output}}}}}}"""));
        events.Add(Sse("message_stop", """{"type":"message_stop"}"""));
        return events;
    }

    public static string Sse(string name, string data) => $"event: {name}\ndata: {data}\n\n";

    public static string Data(string data) => $"data: {data}\n\n";

    /// <summary>Writes the events as SSE, one flush per event.</summary>
    public static Task WriteSseAsync(HttpResponse response, IEnumerable<WireEvent> events) =>
        WriteSseAsync(response, events.Select(e => e.Sse));

    /// <summary>Writes SSE events, flushing after each so the client sees them one by one.</summary>
    public static async Task WriteSseAsync(HttpResponse response, IEnumerable<string> events, Func<int, Task>? beforeEvent = null)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync();
        var i = 0;
        foreach (var e in events)
        {
            if (beforeEvent is not null)
            {
                await beforeEvent(i);
            }

            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(e));
            await response.Body.FlushAsync();
            i++;
        }
    }

    public static Task WriteJsonAsync(HttpResponse response, string json, int status = 200)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        return response.WriteAsync(json);
    }
}
