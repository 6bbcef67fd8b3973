using System.Text;
using BenchmarkDotNet.Attributes;
using Tollgate.Core.Pricing;
using Tollgate.Core.Usage;
using Tollgate.Proxy;

namespace Tollgate.Bench;

/// <summary>
/// The work metering adds to each forwarded call: tapping a response as it streams, reading the
/// request body, pricing. Each benchmark processes one whole call.
/// </summary>
[MemoryDiagnoser]
public class MeteringBenchmarks
{
    private byte[][] _responsesSse = [];
    private byte[][] _chatSse = [];
    private byte[][] _anthropicSse = [];
    private byte[] _responsesJson = [];
    private byte[] _codexRequest = [];
    private readonly PriceTable _prices = PriceTable.Create(null);

    [GlobalSetup]
    public void Setup()
    {
        // A Codex-like Responses stream: 60 text deltas, then the completed event repeating the output.
        var sb = new StringBuilder();
        sb.Append("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5.1-codex\",\"output\":[]}}\n\n");
        for (var i = 0; i < 60; i++)
        {
            sb.Append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"word").Append(i).Append(" \"}\n\n");
        }

        sb.Append("event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5.1-codex\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"")
            .Append(string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{i}")))
            .Append("\"}]}],\"usage\":{\"input_tokens\":20000,\"input_tokens_details\":{\"cached_tokens\":18000},\"output_tokens\":300,\"output_tokens_details\":{\"reasoning_tokens\":100},\"total_tokens\":20300}}}\n\n");
        _responsesSse = Chunks(sb.ToString(), 256);

        sb.Clear();
        for (var i = 0; i < 60; i++)
        {
            sb.Append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word ").Append(i).Append("\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        sb.Append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1\",\"choices\":[],\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":60,\"total_tokens\":560}}\n\ndata: [DONE]\n\n");
        _chatSse = Chunks(sb.ToString(), 256);

        sb.Clear();
        sb.Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":20000,\"cache_creation_input_tokens\":300,\"output_tokens\":1}}}\n\n");
        for (var i = 0; i < 60; i++)
        {
            sb.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"word ").Append(i).Append("\"}}\n\n");
        }

        sb.Append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":60}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        _anthropicSse = Chunks(sb.ToString(), 256);

        _responsesJson = Encoding.UTF8.GetBytes("{\"id\":\"r\",\"object\":\"response\",\"model\":\"gpt-5\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"" + new string('x', 3000) + "\"}]}],\"usage\":{\"input_tokens\":20000,\"input_tokens_details\":{\"cached_tokens\":18000},\"output_tokens\":300,\"output_tokens_details\":{\"reasoning_tokens\":100},\"total_tokens\":20300}}");

        var input = string.Join(',', Enumerable.Range(0, 200).Select(i => $"{{\"type\":\"message\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{new string('y', 180)} {i}\"}}]}}"));
        _codexRequest = Encoding.UTF8.GetBytes($"{{\"model\":\"gpt-5.1-codex\",\"instructions\":\"{new string('z', 2000)}\",\"input\":[{input}],\"tools\":[],\"reasoning\":{{\"effort\":\"high\",\"summary\":\"auto\"}},\"store\":false,\"stream\":true,\"include\":[\"reasoning.encrypted_content\"],\"prompt_cache_key\":\"0199a000-0000-7000-8000-000000000001\"}}");
    }

    [Benchmark]
    public TokenUsage? ResponsesSseStream() => Tap(ApiKind.Responses, "text/event-stream", _responsesSse);

    [Benchmark]
    public TokenUsage? ChatSseStream() => Tap(ApiKind.ChatCompletions, "text/event-stream", _chatSse);

    [Benchmark]
    public TokenUsage? AnthropicSseStream() => Tap(ApiKind.AnthropicMessages, "text/event-stream", _anthropicSse);

    [Benchmark]
    public TokenUsage? ResponsesJsonBody() => Tap(ApiKind.Responses, "application/json", [_responsesJson]);

    [Benchmark]
    public string? CodexRequestBody40KB() => RequestInfo.Read(_codexRequest)?.Model;

    [Benchmark]
    public decimal? PriceOneCall() => _prices.Cost("gpt-5.1-codex-2025-11-13", new TokenUsage(20000, 18000, 0, 300, 100), null);

    private static TokenUsage? Tap(ApiKind api, string contentType, byte[][] chunks)
    {
        using var tap = UsageTaps.Create(api, contentType, null, TimeProvider.System)!;
        foreach (var chunk in chunks)
        {
            tap.Observe(chunk);
        }

        return tap.Complete(true).Usage;
    }

    private static byte[][] Chunks(string text, int size) => Encoding.UTF8.GetBytes(text).Chunk(size).ToArray();
}
