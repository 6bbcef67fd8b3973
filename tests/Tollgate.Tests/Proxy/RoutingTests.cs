using System.Net;
using System.Net.Http.Headers;
using Tollgate.Core.Usage;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Proxy;

/// <summary>Pass-through routing: which upstream a request reaches, and how it is recorded.</summary>
public sealed class RoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChatGptLogin_GoesToCodexBackendWithCredentialsUntouched()
    {
        await using var api = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", () => Results.StatusCode(500)));
        await using var chatgpt = await FakeUpstream.StartAsync(app => app.MapPost("/backend-api/codex/responses", ctx =>
            Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r", "gpt-6.1-sol", ["x"], new OpenAITokens(40, 0, 4, 0)))));
        await using var gateway = await TestGateway.StartAsync(api.BaseUrl + "/v1", configure: c => c with
        {
            Upstreams = c.Upstreams with { ChatGpt = chatgpt.BaseUrl + "/backend-api/codex" },
        });

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = FaultTests.Json("""{"model":"gpt-6.1-sol","stream":true}""") };
        // A made-up, unsigned token in JWT shape: header.payload.signature.
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.c2ln");
        request.Headers.Add("ChatGPT-Account-Id", "acct-test");
        var response = await http.SendAsync(request, Ct);
        await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(api.Requests);
        var sent = Assert.Single(chatgpt.Requests);
        Assert.Equal("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.c2ln", sent.Headers["authorization"]);
        Assert.Equal("acct-test", sent.Headers["chatgpt-account-id"]);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal("chatgpt", record.Service);
        Assert.Equal(40, record.Usage?.InputTokens);
        Assert.Null(record.CostUsd); // gpt-6.1-sol has no public price: unpriced, not $0
    }

    [Fact]
    public async Task AnthropicCountTokens_ForwardedAsSent_NotBillable()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/messages/count_tokens", ctx =>
            Wire.WriteJsonAsync(ctx.Response, """{"input_tokens":1234}""")));
        await using var gateway = await TestGateway.StartAsync(anthropicBase: fake.BaseUrl);

        using var http = new HttpClient();
        var response = await http.PostAsync(gateway.BaseUrl + "/v1/messages/count_tokens?beta=true", FaultTests.Json("""{"model":"claude-haiku-4-5","messages":[]}"""), Ct);

        Assert.Equal("""{"input_tokens":1234}""", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("?beta=true", Assert.Single(fake.Requests).Query);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(UsageState.NotBillable, record.UsageState);
        Assert.Null(record.Usage);
    }

    [Fact]
    public async Task LegacyCompletions_JsonAndStream_Metered()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/completions", async ctx =>
        {
            var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            if (body.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                await Wire.WriteSseAsync(ctx.Response,
                [
                    Wire.Data("""{"id":"cmpl-1","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[{"text":"hi","index":0,"finish_reason":null}]}"""),
                    Wire.Data("""{"id":"cmpl-1","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"""),
                    Wire.Data("[DONE]"),
                ]);
            }
            else
            {
                await Wire.WriteJsonAsync(ctx.Response, """{"id":"cmpl-2","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[{"text":"hi","index":0}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}""");
            }
        }));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");

        using var http = new HttpClient();
        await (await http.PostAsync(gateway.BaseUrl + "/v1/completions", FaultTests.Json("""{"model":"gpt-3.5-turbo-instruct","prompt":"x"}"""), Ct)).Content.ReadAsStringAsync(Ct);
        await (await http.PostAsync(gateway.BaseUrl + "/v1/completions", FaultTests.Json("""{"model":"gpt-3.5-turbo-instruct","prompt":"x","stream":true,"stream_options":{"include_usage":true}}"""), Ct)).Content.ReadAsStringAsync(Ct);

        var records = await gateway.WaitForRecordsAsync(2);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(new TokenUsage(12, 0, 0, 3, 0), r.Usage));
        Assert.Contains(records, r => r.Stream);
    }
}
