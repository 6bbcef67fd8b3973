#pragma warning disable OPENAI001 // the Responses client is marked experimental in the SDK
using System.ClientModel;
using System.Net;
using System.Text;
using Anthropic;
using Anthropic.Models.Messages;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Responses;
using Tollgate.Core.Usage;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// The official OpenAI and Anthropic .NET SDKs, as real clients, through the real gateway to a
/// fake upstream: what the client receives is what the fake sent, and what is recorded equals
/// the fake's usage to the token and the cost to the cent.
/// </summary>
public sealed class SdkClientTests
{
    private static readonly OpenAITokens CodexTokens = new(Input: 1200, Cached: 1000, Output: 300, Reasoning: 120);

    [Fact]
    public async Task ResponsesStreaming_OpenAISdk_RecordsExactUsageAndCost()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("resp_1", "gpt-5.1-codex", ["Hel", "lo"], CodexTokens))));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        var client = new ResponsesClient(new ApiKeyCredential("sk-test-not-a-secret"), new ResponsesClientOptions { Endpoint = new Uri(gateway.BaseUrl + "/v1") });
        var text = new StringBuilder();
        await foreach (var update in await client.CreateResponseStreamingAsync("gpt-5.1-codex", "say hello", previousResponseId: null, TestContext.Current.CancellationToken))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
        }

        Assert.Equal("Hello", text.ToString());
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(new TokenUsage(1200, 1000, 0, 300, 120), record.Usage);
        Assert.Equal(UsageState.Reported, record.UsageState);
        Assert.Equal("gpt-5.1-codex", record.Model);
        Assert.True(record.Stream);
        Assert.Equal(CallOutcome.Success, record.Outcome);
        Assert.Equal((200 * 1.25m + 1000 * 0.125m + 300 * 10m) / 1_000_000m, record.CostUsd);
        Assert.Equal("sk-test-not-a-secret", Bearer(fake));
    }

    [Fact]
    public async Task ResponsesJson_OpenAISdk_RecordsExactUsage()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteJsonAsync(ctx.Response, Wire.ResponseObject("resp_2", "gpt-5.2", "hi", new OpenAITokens(5000, 4096, 77, 0)))));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        var client = new ResponsesClient(new ApiKeyCredential("sk-test"), new ResponsesClientOptions { Endpoint = new Uri(gateway.BaseUrl + "/v1") });
        ResponseResult response = await client.CreateResponseAsync("gpt-5.2", "hi", previousResponseId: null, TestContext.Current.CancellationToken);

        Assert.Equal(5000, response.Usage.InputTokenCount);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(new TokenUsage(5000, 4096, 0, 77, 0), record.Usage);
        Assert.False(record.Stream);
        Assert.Equal((904 * 1.75m + 4096 * 0.175m + 77 * 14m) / 1_000_000m, record.CostUsd);
    }

    [Fact]
    public async Task ChatCompletions_OpenAISdk_JsonAndStreaming_RecordUsage()
    {
        var tokens = new OpenAITokens(Input: 420, Cached: 128, Output: 33, Reasoning: 0);
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/chat/completions", async ctx =>
        {
            var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            if (body.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                // Usage only when the client asked for it, as OpenAI does.
                var include = body.Contains("\"include_usage\":true", StringComparison.Ordinal);
                await Wire.WriteSseAsync(ctx.Response, Wire.ChatSseEvents("chatcmpl-1", "gpt-4o-mini-2024-07-18", ["a", "b", "c"], include ? tokens : null));
            }
            else
            {
                await Wire.WriteJsonAsync(ctx.Response, Wire.ChatJson("chatcmpl-2", "gpt-4o-mini-2024-07-18", "abc", tokens));
            }
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        var client = new ChatClient("gpt-4o-mini", new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseUrl + "/v1") });

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("abc", completion.Content[0].Text);
        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.Equal("abc", streamed.ToString());
        var records = await gateway.WaitForRecordsAsync(2);
        Assert.Equal(2, records.Count);
        var expectedCost = (292 * 0.15m + 128 * 0.075m + 33 * 0.60m) / 1_000_000m;
        foreach (var record in records)
        {
            Assert.Equal("gpt-4o-mini-2024-07-18", record.Model);
            var wantsUsage = !record.Stream || fake.Requests.Any(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal) && Encoding.UTF8.GetString(r.Body).Contains("include_usage", StringComparison.Ordinal));
            if (wantsUsage)
            {
                Assert.Equal(new TokenUsage(420, 128, 0, 33, 0), record.Usage);
                Assert.Equal(expectedCost, record.CostUsd);
            }
            else
            {
                Assert.Equal(UsageState.Unknown, record.UsageState);
                Assert.Null(record.CostUsd);
            }
        }
    }

    [Fact]
    public async Task Embeddings_OpenAISdk_RecordsInputTokens()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/embeddings", ctx =>
            Wire.WriteJsonAsync(ctx.Response, Wire.EmbeddingsJson("text-embedding-3-small", 9))));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        var client = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseUrl + "/v1") });

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("hello world", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, embedding.ToFloats().Length);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(new TokenUsage(9, 0, 0, 0, 0), record.Usage);
        Assert.Equal(9 * 0.02m / 1_000_000m, record.CostUsd);
    }

    [Fact]
    public async Task AnthropicMessages_AnthropicSdk_JsonAndStreaming_NormaliseCacheTokens()
    {
        var tokens = new AnthropicTokens(Input: 300, CacheWrite: 100, CacheRead: 2000, Output: 45);
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/messages", async ctx =>
        {
            var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            if (body.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                await Wire.WriteSseAsync(ctx.Response, Wire.AnthropicSseEvents("msg_1", "claude-sonnet-4-5-20250929", ["Hi", " there"], tokens));
            }
            else
            {
                await Wire.WriteJsonAsync(ctx.Response, Wire.AnthropicJson("msg_2", "claude-sonnet-4-5-20250929", "Hi there", tokens));
            }
        }));
        await using var gateway = await TestGateway.StartAsync(anthropicBase: fake.BaseUrl);
        using var client = new AnthropicClient { ApiKey = "sk-ant-test", BaseUrl = gateway.BaseUrl, MaxRetries = 0 };
        var request = new MessageCreateParams
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 64,
            Messages = [new UserMessageParam { Content = "hi" }],
        };

        var message = await client.Messages.Create(request, TestContext.Current.CancellationToken);
        Assert.Equal(300, message.Usage.InputTokens);
        var events = 0;
        await foreach (var _ in client.Messages.CreateStreaming(request, TestContext.Current.CancellationToken))
        {
            events++;
        }

        Assert.True(events >= 6);
        var records = await gateway.WaitForRecordsAsync(2);
        Assert.Equal(2, records.Count);
        var expectedCost = (300 * 3m + 2000 * 0.30m + 100 * 3.75m + 45 * 15m) / 1_000_000m;
        foreach (var record in records)
        {
            Assert.Equal("anthropic", record.Service);
            Assert.Equal(new TokenUsage(2400, 2000, 100, 45, 0), record.Usage);
            Assert.Equal(UsageState.Reported, record.UsageState);
            Assert.Equal(expectedCost, record.CostUsd);
        }

        // The SDK's credential (x-api-key or a bearer header, depending on its version) arrives untouched.
        Assert.All(fake.Requests, r => Assert.Contains("sk-ant-test", r.Headers.GetValueOrDefault("x-api-key") ?? r.Headers.GetValueOrDefault("authorization") ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Streaming_SlowUpstream_ChunksReachClientBeforeStreamEnds()
    {
        var firstSeenByClient = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("resp_s", "gpt-5", ["one", "two"], CodexTokens), async i =>
            {
                // Hold the rest of the stream back until the client has the first event: a
                // gateway that buffered would never deliver it, and this would time out.
                if (i == 1)
                {
                    await firstSeenByClient.Task.WaitAsync(TimeSpan.FromSeconds(20));
                }
            })));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses")
        {
            Content = new StringContent("""{"model":"gpt-5","stream":true,"input":"x"}""", Encoding.UTF8, "application/json"),
        };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Contains("response.created", Encoding.UTF8.GetString(buffer, 0, read), StringComparison.Ordinal);
        firstSeenByClient.SetResult();
        var rest = await new StreamReader(stream).ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("response.completed", rest, StringComparison.Ordinal);

        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(1200, record.Usage?.InputTokens);
        Assert.NotNull(record.TimeToFirstByteMs);
        Assert.True(record.TimeToFirstByteMs < record.LatencyMs);
    }

    private static string? Bearer(FakeUpstream fake) =>
        fake.Requests.Select(r => r.Headers.GetValueOrDefault("authorization")).FirstOrDefault()?.Replace("Bearer ", "", StringComparison.Ordinal);
}
