using System.Text;
using System.Text.Json;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Token counts a fake upstream reports, in the API's own terms.</summary>
internal sealed record OpenAITokens(int Input, int Cached, int Output, int Reasoning);

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

    public static string ResponseObject(string id, string model, string text, OpenAITokens? usage, string status = "completed") =>
        $$$$"""
        {"id":"{{{{id}}}}","object":"response","created_at":1795435671,"status":"{{{{status}}}}","model":"{{{{model}}}}","output":[{"id":"msg_{{{{id}}}}","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":{{{{JsonSerializer.Serialize(text)}}}},"annotations":[]}]}],"parallel_tool_calls":true,"tool_choice":"auto","tools":[],"usage":{{{{(usage is null ? "null" : ResponsesUsage(usage))}}}}}
        """.Trim();

    /// <summary>The events of a Responses SSE stream; the last one is <c>response.completed</c>.</summary>
    public static IReadOnlyList<string> ResponsesSseEvents(string id, string model, IReadOnlyList<string> deltas, OpenAITokens usage)
    {
        var text = string.Concat(deltas);
        var events = new List<string>
        {
            Sse("response.created", $$$$"""{"type":"response.created","sequence_number":0,"response":{"id":"{{{{id}}}}","object":"response","created_at":1795435671,"status":"in_progress","model":"{{{{model}}}}","output":[]}}"""),
            Sse("response.output_item.added", $$$$"""{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_{{{{id}}}}","type":"message","status":"in_progress","role":"assistant","content":[]}}"""),
        };
        var seq = 2;
        foreach (var delta in deltas)
        {
            events.Add(Sse("response.output_text.delta", $$$$"""{"type":"response.output_text.delta","sequence_number":{{{{seq++}}}},"item_id":"msg_{{{{id}}}}","output_index":0,"content_index":0,"delta":{{{{JsonSerializer.Serialize(delta)}}}}}"""));
        }

        events.Add(Sse("response.output_item.done", $$$$"""{"type":"response.output_item.done","sequence_number":{{{{seq++}}}},"output_index":0,"item":{"id":"msg_{{{{id}}}}","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":{{{{JsonSerializer.Serialize(text)}}}},"annotations":[]}]}}"""));
        events.Add(Sse("response.completed", $$$$"""{"type":"response.completed","sequence_number":{{{{seq}}}},"response":{{{{ResponseObject(id, model, text, usage)}}}}}"""));
        return events;
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
