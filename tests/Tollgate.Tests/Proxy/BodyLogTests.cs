using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Proxy;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Proxy;

/// <summary>The opt-in body log: what it writes, what it never writes, and what it drops when it falls behind.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BodyLogTests : IDisposable
{
    // Test-only stand-ins, shaped like credentials so a leak would be caught; not real secrets.
    private const string ClientKey = "sk-test-bodylog-00000000000000000000";
    private const string CookieValue = "session=test-cookie-0000";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-bodylog-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task On_RequestsAndResponses_BodiesAsTextOrBase64_CredentialsRedacted()
    {
        await using var fake = await FakeUpstream.StartAsync(app =>
        {
            app.MapPost("/v1/responses", async ctx =>
            {
                ctx.Response.Headers.SetCookie = CookieValue;
                await Wire.WriteSseAsync(ctx.Response, Wire.ResponsesEvents("resp_1", "gpt-5", ["hé"], new OpenAITokens(10, 0, 2, 0)));
            });
            app.MapPost("/v1/audio/transcriptions", () => Results.Json(new { text = "ok" }));
        });
        var logFile = Path.Combine(_dir.FullName, "bodies.jsonl");
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", configure: c => c with { Logging = c.Logging with { BodyLog = logFile } });
        using var http = new HttpClient();

        const string json = """{"model":"gpt-5","stream":true,"input":"héllo"}""";
        using var zstd = new ZstdSharp.Compressor(3);
        using var post = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = new ByteArrayContent(zstd.Wrap(Encoding.UTF8.GetBytes(json)).ToArray()) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        post.Content.Headers.ContentEncoding.Add("zstd");
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ClientKey);
        post.Headers.Add("Cookie", CookieValue);
        using var response = await http.SendAsync(post, Ct);
        var streamed = await response.Content.ReadAsStringAsync(Ct);

        byte[] audio = [0x52, 0x49, 0x46, 0x46, 0xFF, 0x00, 0xFE, 0x80];
        using var upload = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/audio/transcriptions") { Content = new ByteArrayContent(audio) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        upload.Headers.Add("x-api-key", ClientKey);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(upload, Ct)).StatusCode);
        await gateway.StopAsync(); // the writer drains its queue

        var text = await File.ReadAllTextAsync(logFile, Ct);
        Assert.DoesNotContain(ClientKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("test-cookie", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(logFile));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["request", "response", "request", "response"], lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal(lines[0].GetProperty("id").GetString(), lines[1].GetProperty("id").GetString());

        var (request, answer) = (lines[0], lines[1]);
        Assert.Equal(("POST", "/v1/responses", "utf8", json), (request.GetProperty("method").GetString(), request.GetProperty("target").GetString(), request.GetProperty("bodyEncoding").GetString(), request.GetProperty("body").GetString()));
        Assert.Equal("[redacted]", request.GetProperty("headers").GetProperty("authorization").GetString());
        Assert.Equal("[redacted]", request.GetProperty("headers").GetProperty("cookie").GetString());
        Assert.Equal("zstd", request.GetProperty("headers").GetProperty("content-encoding").GetString()); // the body is logged decoded
        Assert.Equal((200, "utf8", streamed), (answer.GetProperty("status").GetInt32(), answer.GetProperty("bodyEncoding").GetString(), answer.GetProperty("body").GetString()));
        Assert.Equal("[redacted]", answer.GetProperty("headers").GetProperty("set-cookie").GetString());
        Assert.False(answer.GetProperty("truncated").GetBoolean());

        var binary = lines[2];
        Assert.Equal("base64", binary.GetProperty("bodyEncoding").GetString());
        Assert.Equal(audio, binary.GetProperty("body").GetBytesFromBase64());
        Assert.Equal("[redacted]", binary.GetProperty("headers").GetProperty("x-api-key").GetString());
    }

    [Fact]
    public async Task Off_NoBodyReachesAnyFile()
    {
        const string marker = "tollgate-body-marker-5f1c";
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", () => Results.Json(new { id = "r", output_text = marker, usage = new { input_tokens = 1, output_tokens = 1 } })));
        var dataDir = TestGateway.NewDataDir();
        await using (var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", dataDir: dataDir))
        {
            gateway.KeepDataDir = true;
            using var http = new HttpClient();
            var response = await http.PostAsync(gateway.BaseUrl + "/v1/responses", new StringContent($$"""{"model":"gpt-5","input":"{{marker}}"}""", Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Single(await gateway.WaitForRecordsAsync(1));
            await gateway.StopAsync();
        }

        var files = Directory.GetFiles(dataDir, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            Assert.False((await File.ReadAllBytesAsync(file, Ct)).AsSpan().IndexOf(Encoding.UTF8.GetBytes(marker)) >= 0, $"{file} holds a body");
        }

        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task Behind_DropsEntriesInsteadOfWaiting_AndSaysHowMany()
    {
        var logFile = Path.Combine(_dir.FullName, "bodies.jsonl");
        var log = new BodyLog(logFile, TimeProvider.System, NullLogger<BodyLog>.Instance, maxQueuedBytes: 3000);
        for (var i = 0; i < 3; i++)
        {
            // The writer is not running: nothing drains, so the queue fills after the first exchange.
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("{}"));
            context.Response.Body = new MemoryStream();
            await log.HandleAsync(context, async c =>
            {
                await c.Request.Body.CopyToAsync(Stream.Null, Ct);
                await c.Response.Body.WriteAsync("ok"u8.ToArray(), Ct);
            });
        }

        await log.StartAsync(Ct);
        await log.StopAsync(Ct);

        var lines = (await File.ReadAllLinesAsync(logFile, Ct)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["dropped", "request", "response"], lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal(4, lines[0].GetProperty("entries").GetInt32());
        Assert.Equal(("{}", "ok"), (lines[1].GetProperty("body").GetString(), lines[2].GetProperty("body").GetString()));
    }
}
