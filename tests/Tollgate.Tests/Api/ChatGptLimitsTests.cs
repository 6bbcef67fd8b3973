using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Api;

/// <summary>Two ChatGPT logins through one gateway: each account's usage windows are kept and shown apart, with its own calls counted.</summary>
public sealed class ChatGptLimitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachChatGptAccount_HasItsOwnWindows_InTheLimitsReport()
    {
        var resetAt = TimeProvider.System.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/backend-api/codex/responses", ctx =>
        {
            // The backend reports each account's own use: 80 % for the first, 10 % for the second.
            var first = ctx.Request.Headers["ChatGPT-Account-Id"] == "acct-0000-1111";
            ctx.Response.Headers["x-codex-primary-used-percent"] = first ? "80" : "10";
            ctx.Response.Headers["x-codex-primary-window-minutes"] = "300";
            ctx.Response.Headers["x-codex-primary-reset-at"] = resetAt;
            return Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r", "gpt-5", ["x"], new OpenAITokens(10, 0, 2, 0)));
        }));
        await using var gateway = await TestGateway.StartAsync(
            fake.BaseUrl + "/v1",
            configure: c => c with { Upstreams = c.Upstreams with { ChatGpt = fake.BaseUrl + "/backend-api/codex" } });

        using var http = new HttpClient();
        foreach (var account in new[] { "acct-0000-1111", "acct-0000-2222", "acct-0000-1111" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses")
            {
                Content = new StringContent("""{"model":"gpt-5","stream":true}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("ChatGPT-Account-Id", account);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.");
            using var response = await http.SendAsync(request, Ct);
            await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        }

        await gateway.WaitForRecordsAsync(3);
        using var limits = JsonDocument.Parse(await http.GetStringAsync(gateway.BaseUrl + "/api/limits", Ct));
        var gatewaySources = limits.RootElement.GetProperty("limits").EnumerateArray()
            .Where(s => s.GetProperty("source").GetString() == "gateway")
            .ToDictionary(s => s.GetProperty("account").GetString()!, s => s.GetProperty("windows")[0]);

        Assert.Equal(["…1111", "…2222"], gatewaySources.Keys.Order());
        Assert.Equal(80, gatewaySources["…1111"].GetProperty("usedPercent").GetDouble());
        Assert.Equal(2, gatewaySources["…1111"].GetProperty("callsInWindow").GetInt64());
        Assert.Equal(10, gatewaySources["…2222"].GetProperty("usedPercent").GetDouble());
        Assert.Equal(1, gatewaySources["…2222"].GetProperty("callsInWindow").GetInt64());
        Assert.DoesNotContain("acct-0000", limits.RootElement.GetRawText()); // only the last four characters are kept
    }
}
