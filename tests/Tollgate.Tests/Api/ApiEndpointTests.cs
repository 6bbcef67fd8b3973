using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tollgate.Core.Accounts;
using Tollgate.Core.Pricing;
using Tollgate.Testing;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Api;

/// <summary>The API's refusals, its guards, and the endpoints that change things: prices, settings, ingestion; and the live feed.</summary>
public sealed class ApiEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/summary?range=fortnight", "range")]
    [InlineData("/api/summary?range=today&range=yesterday", "range")]
    [InlineData("/api/summary?tz=Mars/Olympus", "tz")]
    [InlineData("/api/summary?start=yesterday", "start")]
    [InlineData("/api/summary?end=2026-11-01T00:00:00Z", "start")]
    [InlineData("/api/summary?start=2026-11-02T00:00:00Z&end=2026-11-01T00:00:00Z", "end")]
    [InlineData("/api/summary?range=today&start=2026-11-01T00:00:00Z", "range")]
    [InlineData("/api/summary?source=proxy", "source")]
    [InlineData("/api/timeseries?bucket=minute", "bucket")]
    [InlineData("/api/timeseries?metric=joules", "metric")]
    [InlineData("/api/timeseries?range=last12months&bucket=hour", "bucket")]
    [InlineData("/api/events?limit=0", "limit")]
    [InlineData("/api/events?limit=abc", "limit")]
    [InlineData("/api/events?offset=-1", "offset")]
    [InlineData("/api/events?status=maybe", "status")]
    [InlineData("/api/events?model=", "model")]
    [InlineData("/api/sessions?active=perhaps", "active")]
    [InlineData("/api/live?replay=100000", "replay")]
    public async Task BadParameter_Is400ProblemNamingIt(string path, string parameter)
    {
        await using var api = await ApiFixture.StartAsync(count: 50);

        using var response = await api.Http.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("not json", "body")]
    [InlineData("[1, 2]", "body")]
    [InlineData("""{"prices": {}}""", "models")]
    [InlineData("""{"models": {"m": {"output": 1}}}""", "input")]
    [InlineData("""{"models": {"m": {"input": "cheap", "output": 1}}}""", "input")]
    [InlineData("""{"models": {"m": {"input": -1, "output": 1}}}""", "input")]
    [InlineData("""{"models": {"m": {"input": 1, "output": 99999}}}""", "output")]
    [InlineData("""{"models": {" m": {"input": 1, "output": 1}}}""", "model")]
    [InlineData("""{"models": {"m": 5}}""", "models")]
    public async Task PutPricing_BadBody_Is400AndChangesNothing(string body, string parameter)
    {
        await using var api = await ApiFixture.StartAsync(count: 50);
        var before = await api.GetJsonAsync("/api/pricing");

        using var response = await api.Http.PutAsync("/api/pricing", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(parameter, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("parameter").GetString());
        Assert.Equal(before.ToString(), (await api.GetJsonAsync("/api/pricing")).ToString());
    }

    [Fact]
    public async Task Guard_ForeignHostCrossSiteOriginAndUnknownPaths_AreRefusedAndNeverForwarded()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.Map("/{**any}", () => Results.Ok()));
        await using var api = await ApiFixture.StartAsync(fake.BaseUrl + "/v1", count: 50);

        using var rebinding = new HttpRequestMessage(HttpMethod.Get, "/api/summary");
        rebinding.Headers.Host = "attacker.example:" + new Uri(api.Gateway.BaseUrl).Port;
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Http.SendAsync(rebinding, Ct)).StatusCode);

        using var crossSite = new HttpRequestMessage(HttpMethod.Put, "/api/pricing") { Content = new StringContent("""{"models": {}}""", Encoding.UTF8, "application/json") };
        crossSite.Headers.Add("Origin", "https://attacker.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Http.SendAsync(crossSite, Ct)).StatusCode);

        using var fetchSite = new HttpRequestMessage(HttpMethod.Post, "/api/pricing/recompute");
        fetchSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Http.SendAsync(fetchSite, Ct)).StatusCode);

        using var sameOrigin = new HttpRequestMessage(HttpMethod.Put, "/api/pricing") { Content = new StringContent("""{"models": {}}""", Encoding.UTF8, "application/json") };
        sameOrigin.Headers.Add("Origin", api.Gateway.BaseUrl);
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");
        using var allowed = await api.Http.SendAsync(sameOrigin, Ct);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Origin"));

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/pricing");
        preflight.Headers.Add("Origin", "https://attacker.example");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        using var preflightResponse = await api.Http.SendAsync(preflight, Ct);
        Assert.False(preflightResponse.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.GetAsync("/api/v1/responses", Ct)).StatusCode);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task Pricing_EditRecomputeAndRemove_CostsFollowAndOriginsAreShown()
    {
        await using var api = await ApiFixture.StartAsync(count: 300);
        var summary = await api.GetJsonAsync("/api/summary?range=alltime");
        var privateModel = summary.GetProperty("byModel").EnumerateArray().Single(m => m.GetProperty("key").GetString() == "my-private-model");
        Assert.Equal(0m, privateModel.GetProperty("figures").GetProperty("costUsd").GetDecimal());
        var pricing = await api.GetJsonAsync("/api/pricing");
        Assert.Contains(pricing.GetProperty("seen").EnumerateArray(), m => m.GetProperty("model").GetString() == "my-private-model" && m.GetProperty("pricedAs").ValueKind == JsonValueKind.Null && m.GetProperty("unpricedRequests").GetInt64() > 0);

        using (var put = await api.Http.PutAsync("/api/pricing", Json("""{"models": {"my-private-model": {"input": 2, "cachedInput": 0.5, "output": 8}, "gpt-5-mini": {"input": 1, "output": 1}}}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var list = JsonDocument.Parse(await put.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal("custom", list.GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("model").GetString() == "my-private-model").GetProperty("origin").GetString());
            Assert.Equal("built-in", list.GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("model").GetString() == "gpt-5.1-codex").GetProperty("origin").GetString());
        }

        using (var recompute = await api.Http.PostAsync("/api/pricing/recompute", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, recompute.StatusCode);
            Assert.Equal(300, JsonDocument.Parse(await recompute.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("records").GetInt64());
        }

        var edited = new ModelPrice(2, 0.5m, 8);
        var mini = new ModelPrice(1, 1, 1);
        var repriced = api.Records.Select(r => r.Usage is { } u && r.Model is "my-private-model" or "gpt-5-mini"
            ? r with { CostUsd = decimal.Round(PriceTable.Cost(r.Model == "gpt-5-mini" ? mini : edited, u, null), 12) }
            : r).ToList();
        var after = await api.GetJsonAsync("/api/summary?range=alltime");
        Assert.Equal(Expected.Of(repriced), Expected.Read(after.GetProperty("totals")));
        var days = await api.GetJsonAsync("/api/timeseries?range=last30days&bucket=day&metric=cost&tz=UTC");
        Assert.Equal(
            repriced.Where(r => r.Time >= days.GetProperty("points")[0].GetProperty("start").GetDateTimeOffset()).Sum(r => r.CostUsd ?? 0),
            days.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("value").GetDecimal()));

        using (var remove = await api.Http.PutAsync("/api/pricing", Json("""{"models": {"gpt-5-mini": null}}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, remove.StatusCode);
        }

        var restored = await api.GetJsonAsync("/api/pricing");
        Assert.Equal("built-in", restored.GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("model").GetString() == "gpt-5-mini").GetProperty("origin").GetString());
    }

    [Fact]
    public async Task Pricing_ImportLiteLlmFile_AddsItsTokenPricedModels()
    {
        await using var api = await ApiFixture.StartAsync(count: 20);
        const string file = """
            {
              "sample_spec": {"input_cost_per_token": 0, "output_cost_per_token": 0, "mode": "chat or embedding"},
              "acme-coder-1": {"input_cost_per_token": 0.0000015, "output_cost_per_token": 0.000006, "cache_read_input_token_cost": 0.00000015, "litellm_provider": "acme", "mode": "chat"},
              "acme-embed": {"input_cost_per_token": 0.0000001, "output_cost_per_token": 0, "mode": "embedding"},
              "acme-image": {"output_cost_per_image": 0.04, "mode": "image_generation"}
            }
            """;

        using var response = await api.Http.PostAsync("/api/pricing/import", Json(file), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("imported").GetInt32());
        var entry = (await api.GetJsonAsync("/api/pricing")).GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("model").GetString() == "acme-coder-1");
        Assert.Equal(1.5m, entry.GetProperty("input").GetDecimal());
        Assert.Equal(0.15m, entry.GetProperty("cachedInput").GetDecimal());
        Assert.Equal(6m, entry.GetProperty("output").GetDecimal());
        using var bad = await api.Http.PostAsync("/api/pricing/import", Json("""{"x": 1}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Live_StreamsEachNewGatewayRecord()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", () =>
            Results.Json(new { id = "resp_live", model = "gpt-5-mini", usage = new { input_tokens = 123, output_tokens = 45 } })));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1");
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = Timeout.InfiniteTimeSpan };
        using var live = await http.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", live.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await live.Content.ReadAsStreamAsync(Ct));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = Json("""{"model": "gpt-5-mini", "input": "hi"}""") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test");
        (await http.SendAsync(request, Ct)).EnsureSuccessStatusCode();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        string? data = null;
        for (var i = 0; i < 50 && data is null; i++)
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            if (line?.StartsWith("data: ", StringComparison.Ordinal) == true)
            {
                data = line["data: ".Length..];
            }
        }

        Assert.NotNull(data);
        var record = JsonDocument.Parse(data).RootElement;
        Assert.Equal("gpt-5-mini", record.GetProperty("model").GetString());
        Assert.Equal(168, record.GetProperty("totalTokens").GetInt64());
        Assert.Equal("/v1/responses", record.GetProperty("endpoint").GetString());
        Assert.DoesNotContain("sk-test", data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsAndIngest_AddAHomeIngestItAndSeeItsCalls()
    {
        await using var api = await ApiFixture.StartAsync(count: 10);
        var home = Path.Combine(api.Gateway.DataDir, "codex-home");
        var generated = CodexHomeGenerator.Generate(home, new CodexHomeOptions { Threads = 5, Malformed = true });

        using (var missing = await api.Http.PutAsync("/api/settings", Json("""{"codexHomes": ["/nonexistent/codex"]}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        }

        using (var relative = await api.Http.PutAsync("/api/settings", Json("""{"codexHomes": ["codex"]}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, relative.StatusCode);
        }

        using (var put = await api.Http.PutAsync("/api/settings", Json(JsonSerializer.Serialize(new { codexHomes = new[] { home } })), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var run = await api.Http.PostAsync("/api/ingest/run", null, Ct);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        var report = JsonDocument.Parse(await run.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Contains(home, report.GetProperty("homes").EnumerateArray().Select(h => h.GetString()));
        Assert.True(report.GetProperty("callsAdded").GetInt32() > 0);

        var settings = await api.GetJsonAsync("/api/settings");
        var entry = settings.GetProperty("codexHomes").EnumerateArray().Single(h => h.GetProperty("path").GetString() == home);
        Assert.Equal("added", entry.GetProperty("origin").GetString());
        Assert.True(entry.GetProperty("files").GetInt64() > 0);
        Assert.True(generated.MalformedLines > 0 && entry.GetProperty("malformedLines").GetInt64() > 0);
        Assert.NotEqual(JsonValueKind.Null, entry.GetProperty("lastIngestion").ValueKind);
        var thread = generated.Calls[0].ThreadId;
        var sessions = await api.GetJsonAsync("/api/sessions?q=" + Uri.EscapeDataString(thread));
        Assert.Equal(thread, Assert.Single(sessions.GetProperty("sessions").EnumerateArray()).GetProperty("id").GetString());

        using (var remove = await api.Http.PutAsync("/api/settings", Json("""{"codexHomes": []}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, remove.StatusCode);
        }

        Assert.DoesNotContain((await api.GetJsonAsync("/api/settings")).GetProperty("codexHomes").EnumerateArray(), h => h.GetProperty("path").GetString() == home);
    }

    [Fact]
    public async Task Accounts_ShowHealthUsageAndLimitsButNoSecret()
    {
        var dataDir = TestGateway.NewDataDir();
        const string key = "sk-live-SECRET-0123456789abcdef";
        var clientKey = await TestAccounts.AddWithClientKeyAsync(dataDir, (new Account
        {
            Id = Guid.CreateVersion7(),
            Name = "work",
            Provider = ProviderKind.OpenAI,
            BaseUrl = "http://127.0.0.1:9/v1",
            Limits = new AccountLimits(DailyTokens: 1_000_000, MonthlyUsd: 50m),
        }, key));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir);
        using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };

        var body = await http.GetStringAsync("/api/accounts", Ct);

        var account = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("accounts").EnumerateArray());
        Assert.Equal("work", account.GetProperty("name").GetString());
        Assert.Equal("ok", account.GetProperty("health").GetProperty("state").GetString());
        Assert.Equal(1_000_000, account.GetProperty("limits").GetProperty("dailyTokens").GetInt64());
        Assert.Equal(0, account.GetProperty("usage").GetProperty("tokensToday").GetInt64());
        Assert.DoesNotContain("SECRET", body, StringComparison.Ordinal);
        Assert.DoesNotContain(clientKey, body, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
