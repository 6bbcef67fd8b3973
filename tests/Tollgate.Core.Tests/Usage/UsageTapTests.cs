using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Tests.Usage;

/// <summary>The usage taps on recorded streams, whole and split at every byte boundary.</summary>
public sealed class UsageTapTests
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static CallUsage Run(ApiKind api, string contentType, IEnumerable<byte[]> chunks, bool complete = true)
    {
        using var tap = UsageTaps.Create(api, contentType, null, Time)!;
        foreach (var chunk in chunks)
        {
            tap.Observe(chunk);
        }

        return tap.Complete(complete);
    }

    private static void AssertSameAtEveryBoundary(ApiKind api, string contentType, byte[] data, Action<CallUsage> check)
    {
        check(Run(api, contentType, [data]));
        for (var at = 0; at <= data.Length; at++)
        {
            check(Run(api, contentType, [data[..at], data[at..]]));
        }

        check(Run(api, contentType, data.Select(b => new[] { b })));
    }

    [Fact]
    public void ResponsesSse_RecordedCodexStream_ReadsFinalUsageAtEverySplit()
    {
        AssertSameAtEveryBoundary(ApiKind.Responses, "text/event-stream; charset=utf-8", Fixture.Bytes("Streams/responses-codex.sse"), u =>
        {
            Assert.Equal(new TokenUsage(1234, 1000, 0, 56, 20), u.Usage);
            Assert.Equal(UsageState.Reported, u.State);
            Assert.Equal("gpt-5.1-codex", u.Model);
            Assert.Equal("resp_a491b13e1d8a46afbb4d384e", u.ResponseId);
            Assert.False(u.Malformed);
        });
    }

    [Fact]
    public void ResponsesSse_FailedWithRateLimits_KeepsUsageErrorAndWindows()
    {
        var u = Run(ApiKind.Responses, "text/event-stream", [Fixture.Bytes("Streams/responses-failed.sse")]);

        Assert.Equal(new TokenUsage(900, 0, 0, 12, 0), u.Usage);
        Assert.Equal("server_error", u.ErrorType);
        var window = Assert.Single(u.RateLimits!.Windows);
        Assert.Equal(WindowKind.Weekly, window.Kind); // weekly-only plan: the weekly window sits in primary
        Assert.Equal(100.0, window.UsedPercent);
        Assert.Equal("pro", u.RateLimits.PlanType);
        Assert.False(u.RateLimits.Credits?.HasCredits);
    }

    [Fact]
    public void ResponsesSse_TruncatedStream_UsageUnknownNotZero()
    {
        var u = Run(ApiKind.Responses, "text/event-stream", [Fixture.Bytes("Streams/responses-truncated.sse")], complete: false);

        Assert.Null(u.Usage);
        Assert.Equal(UsageState.Unknown, u.State);
        Assert.Equal("gpt-5.1-codex", u.Model);
    }

    [Fact]
    public void ResponsesSse_MalformedJson_FlaggedMalformed()
    {
        var u = Run(ApiKind.Responses, "text/event-stream", [Fixture.Bytes("Streams/responses-malformed.sse")]);

        Assert.Null(u.Usage);
        Assert.True(u.Malformed);
    }

    [Fact]
    public void ChatSse_WithIncludeUsage_ReadsLastChunkAtEverySplit()
    {
        AssertSameAtEveryBoundary(ApiKind.ChatCompletions, "text/event-stream", Fixture.Bytes("Streams/chat-include-usage.sse"), u =>
        {
            Assert.Equal(new TokenUsage(1500, 1024, 0, 250, 64), u.Usage);
            Assert.Equal("gpt-4o-mini-2024-07-18", u.Model);
            Assert.Equal("default", u.ServiceTier);
        });
    }

    [Fact]
    public void ChatSse_WithoutUsage_UsageUnknown()
    {
        var u = Run(ApiKind.ChatCompletions, "text/event-stream", [Fixture.Bytes("Streams/chat-no-usage.sse")]);

        Assert.Null(u.Usage);
        Assert.Equal("gpt-4.1", u.Model);
        Assert.False(u.Malformed);
    }

    [Fact]
    public void AnthropicSse_CorrectedInputInMessageDelta_FoldsCacheTokensOnce()
    {
        AssertSameAtEveryBoundary(ApiKind.AnthropicMessages, "text/event-stream", Fixture.Bytes("Streams/anthropic-corrected.sse"), u =>
        {
            // message_delta corrected input_tokens 321 → 330; cache reads and writes add on top.
            Assert.Equal(new TokenUsage(330 + 2000 + 100, 2000, 100, 45, 0, CacheWrite1hTokens: 40), u.Usage);
            Assert.Equal("claude-sonnet-4-5-20250929", u.Model);
            Assert.Equal(UsageState.Reported, u.State);
        });
    }

    [Fact]
    public void AnthropicSse_CutAfterMessageStart_KeepsInputSideAsPartial()
    {
        var data = Fixture.Bytes("Streams/anthropic-corrected.sse");
        var cut = Encoding.UTF8.GetString(data).IndexOf("event: content_block_delta", StringComparison.Ordinal);
        var u = Run(ApiKind.AnthropicMessages, "text/event-stream", [data[..cut]], complete: false);

        Assert.Equal(UsageState.Partial, u.State);
        Assert.Equal(321 + 2000 + 100, u.Usage?.InputTokens);
        Assert.Equal(1, u.Usage?.OutputTokens);
    }

    [Theory]
    [InlineData(ApiKind.Responses, """{"id":"r","object":"response","model":"gpt-5","output":[{"type":"message","content":[{"type":"output_text","text":"{\"usage\":{\"input_tokens\":999}}"}]}],"usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":1},"total_tokens":13},"service_tier":"priority"}""", 10, 4, 0, 3, 1)]
    [InlineData(ApiKind.ChatCompletions, """{"id":"c","model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9,"prompt_tokens_details":{"cached_tokens":0}}}""", 7, 0, 0, 2, 0)]
    [InlineData(ApiKind.Embeddings, """{"object":"list","data":[{"embedding":[0.1,0.2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5}}""", 5, 0, 0, 0, 0)]
    [InlineData(ApiKind.AnthropicMessages, """{"id":"m","type":"message","model":"claude-haiku-4-5","content":[],"usage":{"input_tokens":3,"cache_creation_input_tokens":20,"cache_read_input_tokens":100,"output_tokens":8}}""", 123, 100, 20, 8, 0)]
    public void JsonBody_EachApi_ReadsTopLevelUsageAtEverySplit(ApiKind api, string json, long input, long cached, long write, long output, long reasoning)
    {
        AssertSameAtEveryBoundary(api, "application/json", Encoding.UTF8.GetBytes(json), u =>
        {
            Assert.Equal(new TokenUsage(input, cached, write, output, reasoning), u.Usage);
            Assert.Equal(UsageState.Reported, u.State);
            Assert.False(u.Malformed);
        });
    }

    [Fact]
    public void JsonBody_HugeEmbeddingsAnswer_StreamsInSmallChunks()
    {
        var sb = new StringBuilder("""{"object":"list","data":[""");
        for (var i = 0; i < 2000; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append("""{"object":"embedding","index":""").Append(i).Append(""","embedding":[""").Append(string.Join(',', Enumerable.Repeat("0.0123456", 256))).Append("]}");
        }

        sb.Append("""],"model":"text-embedding-3-large","usage":{"prompt_tokens":4000,"total_tokens":4000}}""");
        var data = Encoding.UTF8.GetBytes(sb.ToString());
        var u = Run(ApiKind.Embeddings, "application/json", data.Chunk(1500));

        Assert.True(data.Length > 4_000_000);
        Assert.Equal(4000, u.Usage?.InputTokens);
        Assert.Equal("text-embedding-3-large", u.Model);
    }

    [Fact]
    public void EncodedBody_GzipJson_DecodedBeforeReading()
    {
        var json = Encoding.UTF8.GetBytes("""{"model":"gpt-4.1","usage":{"prompt_tokens":11,"completion_tokens":1}}""");
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json);
        }

        using var tap = UsageTaps.Create(ApiKind.ChatCompletions, "application/json", "gzip", Time)!;
        foreach (var chunk in buffer.ToArray().Chunk(7))
        {
            tap.Observe(chunk);
        }

        Assert.Equal(11, tap.Complete(true).Usage?.InputTokens);
    }

    [Fact]
    public void Create_BinaryOrNonBillable_NoTap()
    {
        Assert.Null(UsageTaps.Create(ApiKind.Other, "application/json", null, Time));
        Assert.Null(UsageTaps.Create(ApiKind.AnthropicCountTokens, "application/json", null, Time));
        Assert.Null(UsageTaps.Create(ApiKind.Responses, "audio/mpeg", null, Time));
    }
}
