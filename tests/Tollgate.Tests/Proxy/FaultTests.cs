using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Tollgate.Core.Usage;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Proxy;

/// <summary>Bad input and upstream faults: each gets a clear answer, and nothing recorded is lost.</summary>
public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MalformedSse_FromUpstream_BytesReachClientAndUsageUnknown()
    {
        const string garbage = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_\n\nnot sse at all\n\n";
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx => Wire.WriteSseAsync(ctx.Response, [garbage])));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using var http = new HttpClient();
        var response = await http.PostAsync(gateway.BaseUrl + "/v1/responses", Json("""{"model":"gpt-5","stream":true}"""), Ct);

        Assert.Equal(garbage, await response.Content.ReadAsStringAsync(Ct));
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(UsageState.Unknown, record.UsageState);
        Assert.Null(record.Usage);
        Assert.Equal(CallOutcome.MalformedResponse, record.Outcome);
        Assert.Equal("gpt-5", record.Model);
    }

    [Fact]
    public async Task UpstreamClosesMidStream_ClientSeesCut_RecordKeepsPartialUsage()
    {
        var events = Wire.AnthropicSseEvents("msg_cut", "claude-haiku-4-5", ["a", "b"], new AnthropicTokens(10, 0, 500, 99));
        var clientHasData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/messages", async ctx =>
        {
            await Wire.WriteSseAsync(ctx.Response, events.Take(3));
            // Cut only once the bytes are through: a reset discards data the peer has not read yet.
            await clientHasData.Task.WaitAsync(TimeSpan.FromSeconds(20));
            ctx.Abort(); // the connection drops before message_delta and message_stop
        }));
        await using var gateway = await TestGateway.StartAsync(anthropicBase: fake.BaseUrl);

        using var http = new HttpClient();
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/messages") { Content = Json("""{"model":"claude-haiku-4-5","stream":true}""") }, HttpCompletionOption.ResponseHeadersRead, Ct);
        var stream = await response.Content.ReadAsStreamAsync(Ct);
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains("message_start", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, Ct);
            Assert.True(n > 0, "the stream ended before the first event");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        clientHasData.SetResult();
        await Assert.ThrowsAnyAsync<IOException>(() => new StreamReader(stream).ReadToEndAsync(Ct));

        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(CallOutcome.StreamCut, record.Outcome);
        Assert.Equal(UsageState.Partial, record.UsageState);
        Assert.Equal(510, record.Usage?.InputTokens); // the input side from message_start is kept
        Assert.Equal(500, record.Usage?.CachedInputTokens);
        Assert.NotNull(record.CostUsd);
    }

    [Theory]
    [InlineData("/v1/responses", false)]
    [InlineData("/v1/messages", true)]
    public async Task UpstreamDown_Returns502InClientFormat(string path, bool anthropic)
    {
        var closed = ClosedPort();
        await using var gateway = await TestGateway.StartAsync($"http://127.0.0.1:{closed}/v1", $"http://127.0.0.1:{closed}");

        using var http = new HttpClient();
        var response = await http.PostAsync(gateway.BaseUrl + path, Json("""{"model":"m"}"""), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("\"tollgate_upstream_unreachable\"", body, StringComparison.Ordinal);
        Assert.Equal(anthropic, body.StartsWith("{\"type\":\"error\"", StringComparison.Ordinal));
        Assert.Equal(!anthropic, body.StartsWith("{\"error\":{", StringComparison.Ordinal));
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(CallOutcome.UpstreamUnreachable, record.Outcome);
    }

    [Fact]
    public async Task UnknownPathAndUpstreamError_StatusHeadersAndBodyPassUnchanged()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapGet("/v1/brand/new/thing", ctx =>
        {
            ctx.Response.Headers["x-upstream-marker"] = "kept";
            ctx.Response.Headers["retry-after"] = "7";
            return Wire.WriteJsonAsync(ctx.Response, """{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}""", 429);
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using var http = new HttpClient();
        var response = await http.GetAsync(gateway.BaseUrl + "/v1/brand/new/thing?x=1&y=%20z", Ct);

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("kept", response.Headers.GetValues("x-upstream-marker").Single());
        Assert.Equal("""{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}""", await response.Content.ReadAsStringAsync(Ct));
        var sent = Assert.Single(fake.Requests);
        Assert.Equal("/v1/brand/new/thing", sent.Path);
        Assert.Equal("?x=1&y=%20z", sent.Query);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(CallOutcome.UpstreamError, record.Outcome);
        Assert.Equal(429, record.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), record.RateLimits?.Api?.RetryAfter);
    }

    [Fact]
    public async Task BarePath_WithoutV1_ReachesSameUpstreamPath()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteJsonAsync(ctx.Response, Wire.ResponseObject("r", "gpt-5", "x", new OpenAITokens(1, 0, 1, 0)))));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using var http = new HttpClient();
        var response = await http.PostAsync(gateway.BaseUrl + "/responses", Json("""{"model":"gpt-5"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/responses", Assert.Single(fake.Requests).Path);
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("deflate")]
    public async Task CompressedRequestBody_IsReadAndForwardedUntouched(string encoding)
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteJsonAsync(ctx.Response, """{"id":"r","object":"response","status":"completed","output":[],"usage":{"input_tokens":3,"output_tokens":4}}""")));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        var json = """{"model":"gpt-5.1-codex-mini","stream":false,"prompt_cache_key":"thread-1","reasoning":{"effort":"high"},"input":[{"type":"message","content":"hi"}]}""";
        var compressed = Compress(encoding, Encoding.UTF8.GetBytes(json));

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = new ByteArrayContent(compressed) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add(encoding);
        request.Headers.Add("session-id", "0199a000-0000-7000-8000-000000000001");
        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(fake.Requests);
        Assert.Equal(compressed, sent.Body);
        Assert.Equal(encoding, sent.Headers["content-encoding"]);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal("gpt-5.1-codex-mini", record.Model); // from the decoded request: the response named none
        Assert.Equal("high", record.ReasoningEffort);
        Assert.Equal("0199a000-0000-7000-8000-000000000001", record.SessionId);
        Assert.Equal(new TokenUsage(3, 0, 0, 4, 0), record.Usage);
    }

    [Theory]
    [InlineData("zstd", "not zstd at all", HttpStatusCode.BadRequest, "tollgate_corrupt_request_body")]
    [InlineData("gzip", "not gzip", HttpStatusCode.BadRequest, "tollgate_corrupt_request_body")]
    [InlineData("snappy", "{}", HttpStatusCode.UnsupportedMediaType, "tollgate_unsupported_content_encoding")]
    public async Task BadRequestEncoding_RejectedInOpenAIFormat_NothingForwarded(string encoding, string body, HttpStatusCode expected, string code)
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", () => Results.Ok()));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using var http = new HttpClient();
        var content = new StringContent(body, Encoding.UTF8, "application/json");
        content.Headers.ContentEncoding.Add(encoding);
        var response = await http.PostAsync(gateway.BaseUrl + "/v1/responses", content, Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains($"\"code\":\"{code}\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(CallOutcome.GatewayRejected, record.Outcome);
    }

    [Fact]
    public async Task LargeBinaryAndMultipartBodies_PassUntouched()
    {
        await using var fake = await FakeUpstream.StartAsync(app =>
        {
            app.MapPost("/v1/files", async ctx => await ctx.Response.WriteAsync(Convert.ToHexString(SHA256.HashData(((MemoryStream)ctx.Request.Body).ToArray()))));
            app.MapPost("/v1/audio/transcriptions", ctx => Wire.WriteJsonAsync(ctx.Response, """{"text":"hello"}"""));
        });
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        var big = new byte[64 * 1024 * 1024 + 17];
        new Random(42).NextBytes(big);
        using var bigContent = new ByteArrayContent(big);
        bigContent.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var hash = await (await http.PostAsync(gateway.BaseUrl + "/v1/files", bigContent, Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(big)), hash);

        using var form = new MultipartFormDataContent("tollgate-boundary");
        form.Add(new StringContent("whisper-1"), "model");
        form.Add(new ByteArrayContent([0x52, 0x49, 0x46, 0x46, 0, 1, 2, 255]), "file", "a.wav");
        var expected = await form.ReadAsByteArrayAsync(Ct);
        var transcription = await http.PostAsync(gateway.BaseUrl + "/v1/audio/transcriptions", form, Ct);
        Assert.Equal(HttpStatusCode.OK, transcription.StatusCode);
        var sent = fake.Requests.Single(r => r.Path == "/v1/audio/transcriptions");
        Assert.Equal(expected, sent.Body);
        Assert.StartsWith("multipart/form-data; boundary=", sent.Headers["content-type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodexHeaders_TurnStatePassesBothWays_SessionRecorded()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
        {
            ctx.Response.Headers["x-codex-turn-state"] = "state-from-upstream";
            ctx.Response.Headers["x-codex-primary-used-percent"] = "42.5";
            ctx.Response.Headers["x-codex-primary-window-minutes"] = "300";
            ctx.Response.Headers["x-codex-primary-reset-at"] = "1795449600";
            ctx.Response.Headers["x-codex-secondary-used-percent"] = "7";
            ctx.Response.Headers["x-codex-secondary-window-minutes"] = "10080";
            ctx.Response.Headers["x-codex-credits-has-credits"] = "False";
            ctx.Response.Headers["x-codex-plan-type"] = "plus";
            return Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r", "gpt-5", ["x"], new OpenAITokens(10, 0, 2, 0)));
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = Json("""{"model":"gpt-5","stream":true}""") };
        request.Headers.Add("x-codex-turn-state", "state-from-client");
        request.Headers.Add("thread-id", "thread-abc");
        request.Headers.Add("x-codex-turn-metadata", """{"turn_id":"t1","request_kind":"turn"}""");
        var response = await http.SendAsync(request, Ct);
        await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal("state-from-upstream", response.Headers.GetValues("x-codex-turn-state").Single());
        var sent = Assert.Single(fake.Requests);
        Assert.Equal("state-from-client", sent.Headers["x-codex-turn-state"]);
        Assert.Equal("""{"turn_id":"t1","request_kind":"turn"}""", sent.Headers["x-codex-turn-metadata"]);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal("thread-abc", record.SessionId);
        var limits = record.RateLimits!;
        Assert.Equal("plus", limits.PlanType);
        Assert.False(limits.Credits?.HasCredits);
        var primary = limits.Windows.Single(w => w.Slot == "primary");
        Assert.Equal(42.5, primary.UsedPercent);
        Assert.Equal(Core.RateLimits.WindowKind.FiveHour, primary.Kind);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795449600), primary.ResetsAt);
        Assert.Equal(Core.RateLimits.WindowKind.Weekly, limits.Windows.Single(w => w.Slot == "secondary").Kind);

        var stored = Assert.Single(await gateway.Store.ReadRateLimitSnapshotsAsync(Ct));
        Assert.Equal(limits.Windows, stored.Windows);
        Assert.Equal("plus", stored.PlanType);
    }

    [Fact]
    public async Task ClientDisconnects_UpstreamRequestIsCancelled_RecordSaysCancelled()
    {
        var upstreamAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", async ctx =>
        {
            ctx.RequestAborted.Register(() => upstreamAborted.TrySetResult());
            await Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r", "gpt-5", ["x"], new OpenAITokens(1, 0, 1, 0)).Take(1));
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using (var http = new HttpClient())
        {
            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = Json("""{"model":"gpt-5","stream":true}""") }, HttpCompletionOption.ResponseHeadersRead, Ct);
            var stream = await response.Content.ReadAsStreamAsync(Ct);
            _ = await stream.ReadAtLeastAsync(new byte[100], 1, throwOnEndOfStream: false, Ct);
        } // disposing the client drops the connection

        await upstreamAborted.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(CallOutcome.ClientCancelled, record.Outcome);
        Assert.Equal("gpt-5", record.Model);
    }

    [Fact]
    public async Task ClientHangsUpAfterTheTerminalEvent_TheCallSucceeded()
    {
        // Codex closes the stream once it reads response.completed; the upstream may not have ended it yet.
        var upstreamAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", async ctx =>
        {
            ctx.RequestAborted.Register(() => upstreamAborted.TrySetResult());
            await Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r", "gpt-5", ["x"], new OpenAITokens(7, 0, 3, 0)));
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using (var http = new HttpClient())
        {
            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = Json("""{"model":"gpt-5","stream":true}""") }, HttpCompletionOption.ResponseHeadersRead, Ct);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
            while (await reader.ReadLineAsync(Ct) is { } line && !line.Contains("response.completed", StringComparison.Ordinal))
            {
            }
        } // hung up with the whole answer

        await upstreamAborted.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(CallOutcome.Success, record.Outcome);
        Assert.Equal(UsageState.Reported, record.UsageState);
        Assert.Equal(10, record.Usage!.Value.TotalTokens);
    }

    [Fact]
    public async Task SilentUpstream_IdleTimeoutCutsTheStream()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", async ctx =>
        {
            await Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r", "gpt-5", ["x"], new OpenAITokens(1, 0, 1, 0)).Take(1));
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", configure: c => c with { Server = c.Server with { IdleTimeout = TimeSpan.FromSeconds(1) } });

        using var http = new HttpClient();
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = Json("""{"model":"gpt-5","stream":true}""") }, HttpCompletionOption.ResponseHeadersRead, Ct);
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct));

        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(CallOutcome.UpstreamTimeout, record.Outcome);
    }

    [Fact]
    public async Task Shutdown_WithRecordsInFlight_DrainsEveryRecord()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/chat/completions", ctx =>
            Wire.WriteJsonAsync(ctx.Response, Wire.ChatJson("c", "gpt-4.1", "x", new OpenAITokens(5, 0, 1, 0)))));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        using var http = new HttpClient();

        var calls = Enumerable.Range(0, 200).Select(_ => http.PostAsync(gateway.BaseUrl + "/v1/chat/completions", Json("""{"model":"gpt-4.1"}"""), Ct));
        var responses = await Task.WhenAll(calls);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await gateway.StopAsync();

        var stored = await gateway.ReadStoreAsync();
        Assert.Equal(200, stored.Count);
        Assert.Equal(1000, stored.Sum(r => r.Usage?.InputTokens));
        var summary = Assert.Single(await gateway.Store.ReadDailySummaryAsync(Ct));
        Assert.Equal(200, summary.Requests);
        Assert.Equal(1000, summary.InputTokens);
        Assert.True(File.Exists(gateway.Paths.RequestLogPath));
        var lines = await File.ReadAllLinesAsync(gateway.Paths.RequestLogPath, Ct);
        Assert.Equal(200, lines.Length);
        Assert.DoesNotContain(lines, l => l.Contains("authorization", StringComparison.OrdinalIgnoreCase));
    }

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static byte[] Compress(string encoding, byte[] data)
    {
        if (encoding == "zstd")
        {
            using var zstd = new ZstdSharp.Compressor(3);
            return zstd.Wrap(data).ToArray();
        }

        using var output = new MemoryStream();
        using (Stream s = encoding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
            _ => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
        })
        {
            s.Write(data);
        }

        return output.ToArray();
    }
}
