using System.Net;
using System.Net.WebSockets;
using System.Text;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>
/// The dashboard shares the gateway's port: its pages, hub and assets answer, guarded like the
/// API, while API calls, unknown paths, methods the dashboard does not take and WebSocket
/// upgrades still go upstream.
/// </summary>
public sealed class DashboardRoutingTests
{
    /// <summary>The dashboard's pages besides the overview.</summary>
    private static readonly string[] Pages = ["/requests", "/pricing", "/accounts", "/sessions", "/limits", "/settings"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestGateway> StartAsync(string upstream) =>
        TestGateway.StartAsync(upstream + "/v1", settings: s => s with { Dashboard = true });

    private static Task<FakeUpstream> EchoUpstreamAsync() => FakeUpstream.StartAsync(app => app.Run(async ctx =>
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync($$"""{"upstream":"{{ctx.Request.Method}} {{ctx.Request.Path}}"}""");
    }));

    [Fact]
    public async Task Root_ServesTheShellWithBlazorAndMudBlazorAssets()
    {
        await using var fake = await EchoUpstreamAsync();
        await using var gateway = await StartAsync(fake.BaseUrl);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };

        var html = await http.GetStringAsync("/", Ct);
        Assert.Contains("_framework/blazor.web.js", html, StringComparison.Ordinal);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.css", html, StringComparison.Ordinal);
        foreach (var page in Pages)
        {
            Assert.Contains("blazor.web.js", await http.GetStringAsync(page, Ct), StringComparison.Ordinal);
        }

        foreach (var asset in new[] { "/favicon.ico", "/_framework/blazor.web.js", "/_content/MudBlazor/MudBlazor.min.css", "/_content/MudBlazor/MudBlazor.min.js" })
        {
            using var response = await http.GetAsync(asset, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }

        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task PostResponsesAndUnknownPaths_AreStillForwarded()
    {
        await using var fake = await EchoUpstreamAsync();
        await using var gateway = await StartAsync(fake.BaseUrl);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };

        async Task<string> SendAsync(HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Get)
            {
                request.Content = new StringContent("""{"model":"gpt-5.1-codex","input":"hi"}""", Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {body}");
            return body;
        }

        Assert.Contains("POST /v1/responses", await SendAsync(HttpMethod.Post, "/v1/responses"), StringComparison.Ordinal);
        Assert.Contains("GET /v1/no-such-thing", await SendAsync(HttpMethod.Get, "/no-such-thing"), StringComparison.Ordinal);
        Assert.Contains("POST /v1/chat/completions", await SendAsync(HttpMethod.Post, "/chat/completions"), StringComparison.Ordinal);
        // The pages and assets only take GET: any other method is some client's call, not a 405 or 400.
        Assert.Contains("POST /v1", await SendAsync(HttpMethod.Post, "/"), StringComparison.Ordinal);
        Assert.Contains("POST /v1/not-found", await SendAsync(HttpMethod.Post, "/not-found"), StringComparison.Ordinal);
        Assert.Contains("PUT /v1/_framework/blazor.web.js", await SendAsync(HttpMethod.Put, "/_framework/blazor.web.js"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketUpgrade_IsRelayedUpstream()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.Map("/v1/responses", async ctx =>
        {
            using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
            var message = await WebSocketText.ReceiveAsync(socket, new byte[1 << 16]);
            await socket.SendAsync(Encoding.UTF8.GetBytes("echo:" + message), WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }));
        await using var gateway = await StartAsync(fake.BaseUrl);

        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/responses"), Ct);
        await client.SendAsync("""{"type":"response.create"}"""u8.ToArray(), WebSocketMessageType.Text, true, Ct);

        Assert.Equal("""echo:{"type":"response.create"}""", await WebSocketText.ReceiveAsync(client, new byte[1 << 16], Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task ForeignHostOrCrossSiteOrigin_IsRefusedOnPagesHubAndAssets()
    {
        await using var fake = await EchoUpstreamAsync();
        await using var gateway = await StartAsync(fake.BaseUrl);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };

        foreach (var path in new[] { "/", "/not-found", "/_framework/blazor.web.js" })
        {
            using var rebound = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = "attacker.example:" + new Uri(gateway.BaseUrl).Port } };
            using var response = await http.SendAsync(rebound, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)response.StatusCode}");
        }

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1") { Headers = { { "Origin", "http://attacker.example" } } };
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(crossSite, Ct)).StatusCode);
        using var sameSite = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1") { Headers = { { "Origin", gateway.BaseUrl } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(sameSite, Ct)).StatusCode);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", "http://attacker.example");
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/_blazor"), Ct));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task WithoutTheDashboard_RootIsForwardedLikeAnyPath()
    {
        await using var fake = await EchoUpstreamAsync();
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };

        Assert.Contains("GET /v1", await http.GetStringAsync("/", Ct), StringComparison.Ordinal);
    }
}
