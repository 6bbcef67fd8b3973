using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Tollgate.Core.Usage;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Proxy;

/// <summary>The Responses WebSocket mode: relayed both ways, each <c>response.create</c> metered once.</summary>
public sealed class WebSocketRelayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Relay_TwoResponseCreates_TwoMeteredCallsAndHeadersPassed()
    {
        string? upgradeBeta = null;
        await using var fake = await FakeUpstream.StartAsync(app => app.Map("/v1/responses", async ctx =>
        {
            if (!ctx.WebSockets.IsWebSocketRequest)
            {
                ctx.Response.StatusCode = 400;
                return;
            }

            upgradeBeta = ctx.Request.Headers["OpenAI-Beta"];
            ctx.Response.Headers["x-codex-turn-state"] = "ws-state";
            using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[1 << 16];
            var turn = 0;
            while (true)
            {
                var message = await WebSocketText.ReceiveAsync(socket, buffer);
                if (message is null)
                {
                    return;
                }

                turn++;
                using var doc = JsonDocument.Parse(message);
                var model = doc.RootElement.GetProperty("model").GetString()!;
                foreach (var e in Wire.ResponsesEvents($"resp_{turn}", model, ["hi"], new OpenAITokens(100 * turn, 50, 10 * turn, 1)))
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(e.Json), WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using var client = new ClientWebSocket();
        client.Options.SetRequestHeader("OpenAI-Beta", "responses_websockets=2026-02-06");
        client.Options.SetRequestHeader("session-id", "thread-ws-1");
        client.Options.CollectHttpResponseDetails = true;
        await client.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/responses"), Ct);
        Assert.Equal("ws-state", client.HttpResponseHeaders!["x-codex-turn-state"].Single());

        var buffer = new byte[1 << 16];
        foreach (var model in new[] { "gpt-5.1-codex", "gpt-5.2-codex" })
        {
            var create = JsonSerializer.Serialize(new { type = "response.create", model, input = Array.Empty<object>(), reasoning = new { effort = "low" } });
            await client.SendAsync(Encoding.UTF8.GetBytes(create), WebSocketMessageType.Text, true, Ct);
            string? frame;
            do
            {
                frame = await WebSocketText.ReceiveAsync(client, buffer, Ct);
            }
            while (frame is not null && !frame.Contains("response.completed", StringComparison.Ordinal));

            Assert.NotNull(frame);
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);

        var records = (await gateway.WaitForRecordsAsync(2)).OrderBy(r => r.Usage?.InputTokens).ToList();
        Assert.Equal("responses_websockets=2026-02-06", upgradeBeta);
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("websocket", r.Transport);
            Assert.Equal("thread-ws-1", r.SessionId);
            Assert.Equal(CallOutcome.Success, r.Outcome);
            Assert.Equal("low", r.ReasoningEffort);
            Assert.NotNull(r.CostUsd);
        });
        Assert.Equal(new TokenUsage(100, 50, 0, 10, 1), records[0].Usage);
        Assert.Equal("gpt-5.1-codex", records[0].Model);
        Assert.Equal(new TokenUsage(200, 50, 0, 20, 1), records[1].Usage);
        Assert.Equal("gpt-5.2-codex", records[1].Model);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Relay_UpstreamRefusesUpgrade_Answers426SoCodexFallsBack(bool upstreamReachable)
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapGet("/v1/responses", () => Results.NotFound()));
        var upstream = upstreamReachable ? fake.BaseUrl + "/v1" : $"http://127.0.0.1:{FaultTests.ClosedPort()}/v1";
        await using var gateway = await TestGateway.StartAsync(upstream);

        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/responses"), Ct));

        Assert.Equal(HttpStatusCode.UpgradeRequired, client.HttpStatusCode);
    }

    [Fact]
    public async Task Relay_UpstreamAnswersInstantly_EveryCallMeteredInOrder()
    {
        // The upstream answers a response.create as soon as it arrives: the call must already be
        // registered by then (a race once dropped the first call of a fresh gateway).
        await using var fake = await FakeUpstream.StartAsync(app => app.Map("/v1/responses", InstantResponsesSocketAsync));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/responses"), Ct);
        var buffer = new byte[1 << 16];

        const int Calls = 300;
        for (var i = 1; i <= Calls; i++)
        {
            await client.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"response.create\",\"model\":\"gpt-5\",\"input\":[],\"metadata\":{{\"n\":{i}}}}}"), WebSocketMessageType.Text, true, Ct);
            Assert.Contains("response.completed", await WebSocketText.ReceiveAsync(client, buffer, Ct), StringComparison.Ordinal);
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        await gateway.StopAsync();

        var records = await gateway.ReadStoreAsync();
        Assert.Equal(Calls, records.Count);
        Assert.All(records, r => Assert.Equal(CallOutcome.Success, r.Outcome));
        Assert.Equal(Calls * 7, records.Sum(r => r.Usage?.InputTokens));
    }

    [Fact]
    public async Task Shutdown_IdleRelayedSocket_ClosesPromptlyWithGoingAway()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.Map("/v1/responses", InstantResponsesSocketAsync));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/responses"), Ct);
        var buffer = new byte[1 << 16];
        await client.SendAsync("""{"type":"response.create","model":"gpt-5","input":[]}"""u8.ToArray(), WebSocketMessageType.Text, true, Ct);
        Assert.Contains("response.completed", await WebSocketText.ReceiveAsync(client, buffer, Ct), StringComparison.Ordinal);

        // Idle now, like an open Codex session between turns. Stopping must not wait for the
        // host's 30-second shutdown timeout (the bound here only catches a hang).
        var stopping = gateway.StopAsync();
        Assert.Null(await WebSocketText.ReceiveAsync(client, buffer, Ct));
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.CloseStatus);
        await stopping.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        Assert.Single(await gateway.ReadStoreAsync());
    }

    private static async Task InstantResponsesSocketAsync(HttpContext ctx)
    {
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[1 << 16];
        while (await WebSocketText.ReceiveAsync(socket, buffer) is not null)
        {
            var done = Wire.ResponsesEvents("resp", "gpt-5", ["x"], new OpenAITokens(7, 0, 1, 0))[^1].Json;
            await socket.SendAsync(Encoding.UTF8.GetBytes(done), WebSocketMessageType.Text, true, CancellationToken.None);
        }

        if (socket.State == WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
    }
}
