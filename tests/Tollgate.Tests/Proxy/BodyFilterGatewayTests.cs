using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using Tollgate.Core.Configuration;
using Tollgate.Proxy;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Proxy;

/// <summary>filter.json in a running gateway: applied before the body goes upstream, reloaded on change, a bad file keeps the last good rules.</summary>
public sealed class BodyFilterGatewayTests
{
    private const string ModelRule = """[{ "op": "replace", "source": "gpt-5.1-codex", "target": "gpt-5.2-codex" }]""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string FilterFile(string dataDir) =>
        new AppPaths(name => name is "HOME" or "TOLLGATE_DATA_DIR" ? dataDir : null).FilterFile;

    private static Task<FakeUpstream> EchoUpstreamAsync() => FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
        Wire.WriteJsonAsync(ctx.Response, """{"id":"r","object":"response","status":"completed","output":[],"usage":{"input_tokens":3,"output_tokens":4}}""")));

    private static async Task<string> PostAsync(TestGateway gateway, FakeUpstream fake, string json)
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(gateway.BaseUrl + "/v1/responses", new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(fake.Requests.TryDequeue(out var sent));
        return Encoding.UTF8.GetString(sent.Body);
    }

    [Fact]
    public async Task FileAtStart_ZstdBody_FilteredSentPlainAndMeteredAsSent()
    {
        await using var fake = await EchoUpstreamAsync();
        var dataDir = TestGateway.NewDataDir();
        Directory.CreateDirectory(Path.GetDirectoryName(FilterFile(dataDir))!);
        await File.WriteAllTextAsync(FilterFile(dataDir), ModelRule, Ct);
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", dataDir: dataDir);

        var json = """{"model":"gpt-5.1-codex","stream":false,"input":"hi"}""";
        using var zstd = new ZstdSharp.Compressor(3);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = new ByteArrayContent(zstd.Wrap(Encoding.UTF8.GetBytes(json)).ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("zstd");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request, Ct)).StatusCode);

        var sent = Assert.Single(fake.Requests);
        var expected = """{"model":"gpt-5.2-codex","stream":false,"input":"hi"}""";
        Assert.Equal(expected, Encoding.UTF8.GetString(sent.Body));
        Assert.False(sent.Headers.ContainsKey("content-encoding"));
        Assert.Equal(expected.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), sent.Headers["content-length"]);
        Assert.Equal("gpt-5.2-codex", Assert.Single(await gateway.WaitForRecordsAsync(1)).Model);
    }

    [Fact]
    public async Task FileChanges_ReloadedBadFileKeepsLastGoodDeletedFileMeansNone()
    {
        await using var fake = await EchoUpstreamAsync();
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        var watcher = gateway.Services.GetRequiredService<BodyFilterWatcher>();
        var file = FilterFile(gateway.DataDir);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        const string body = """{"model":"gpt-5.1-codex","input":"hi"}""";
        Assert.Equal(body, await PostAsync(gateway, fake, body));

        var load = watcher.NextLoad;
        await File.WriteAllTextAsync(file, ModelRule, Ct);
        Assert.Null(await load.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal("""{"model":"gpt-5.2-codex","input":"hi"}""", await PostAsync(gateway, fake, body));

        load = watcher.NextLoad;
        await File.WriteAllTextAsync(file, """[{ "op": "replace", "source": "gpt-5.1-codex" }]""", Ct);
        Assert.Contains("rule 1: a \"replace\" rule needs a target", await load.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal("""{"model":"gpt-5.2-codex","input":"hi"}""", await PostAsync(gateway, fake, body));

        load = watcher.NextLoad;
        File.Delete(file);
        Assert.Null(await load.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(body, await PostAsync(gateway, fake, body));
    }

    [Fact]
    public async Task NotUtf8OrMultipart_PassUnfilteredByteForByte()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/{**rest}", () => Results.Json(new { ok = true })));
        var dataDir = TestGateway.NewDataDir();
        Directory.CreateDirectory(Path.GetDirectoryName(FilterFile(dataDir))!);
        await File.WriteAllTextAsync(FilterFile(dataDir), """[{ "op": "remove", "source": "secret" }]""", Ct);
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", dataDir: dataDir);
        using var http = new HttpClient();

        byte[] latin1 = [.. "{\"input\":\"secret caf"u8, 0xE9, .. "\"}"u8];
        var json = new ByteArrayContent(latin1);
        json.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(gateway.BaseUrl + "/v1/responses", json, Ct)).StatusCode);
        Assert.True(fake.Requests.TryDequeue(out var sent));
        Assert.Equal(latin1, sent.Body);

        using var form = new MultipartFormDataContent("tollgate-boundary") { { new StringContent("a secret file"), "file", "notes.txt" } };
        var formBytes = await form.ReadAsByteArrayAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(gateway.BaseUrl + "/v1/files", form, Ct)).StatusCode);
        Assert.True(fake.Requests.TryDequeue(out sent));
        Assert.Equal(formBytes, sent.Body);
    }

    [Fact]
    public async Task WebSocketResponseCreate_FilteredBeforeItGoesUp()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeUpstream.StartAsync(app => app.Map("/v1/responses", async ctx =>
        {
            using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
            var message = await WebSocketText.ReceiveAsync(socket, new byte[1 << 16]);
            received.TrySetResult(message ?? "");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }));
        var dataDir = TestGateway.NewDataDir();
        Directory.CreateDirectory(Path.GetDirectoryName(FilterFile(dataDir))!);
        await File.WriteAllTextAsync(FilterFile(dataDir), ModelRule, Ct);
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", dataDir: dataDir);

        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/responses"), Ct);
        var create = Encoding.UTF8.GetBytes("""{"type":"response.create","model":"gpt-5.1-codex","input":[]}""");
        await client.SendAsync(create.AsMemory(0, 20), WebSocketMessageType.Text, endOfMessage: false, Ct); // in two frames
        await client.SendAsync(create.AsMemory(20), WebSocketMessageType.Text, endOfMessage: true, Ct);

        Assert.Equal("""{"type":"response.create","model":"gpt-5.2-codex","input":[]}""", await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }
}
