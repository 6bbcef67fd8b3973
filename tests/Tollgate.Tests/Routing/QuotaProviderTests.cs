using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tollgate.Core.Accounts;
using Tollgate.Core.Quotas;
using Tollgate.Core.Routing;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Routing;

/// <summary>Quota providers against fake quota endpoints, through the real gateway's refresh endpoint and routing.</summary>
public sealed class QuotaProviderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<string> AddAsync(string dataDir, params (string Name, string BaseUrl, string Key, int Priority)[] accounts) =>
        TestAccounts.AddWithClientKeyAsync(dataDir, accounts.Select(a =>
            (new Account { Id = Guid.CreateVersion7(), Name = a.Name, Provider = ProviderKind.OpenAICompatible, BaseUrl = a.BaseUrl, Priority = a.Priority }, (string?)a.Key)).ToArray());

    private static async Task<string> ServedByAsync(HttpClient http, TestGateway gateway, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = new StringContent("""{"model":"gpt-5.1","stream":true}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-tollgate-account").Single();
    }

    [Fact]
    public async Task BudgetHttpJson_SpentBudgetExhaustsTheAccount_AFailedLookupIsUnknownNotExhausted()
    {
        decimal spent = 2;
        var failing = false;
        await using var budget = await FakeUpstream.StartAsync(app => app.MapGet("/api/budget", ctx => failing
            ? Wire.WriteJsonAsync(ctx.Response, """{"error":"down"}""", 500)
            : Wire.WriteJsonAsync(ctx.Response, $$$"""{"data":{"budget_usd":10,"spent_usd":{{{spent}}}}}""")));
        await using var relay = await AccountUpstream.StartAsync("relay");
        await using var backup = await AccountUpstream.StartAsync("backup");
        var dataDir = TestGateway.NewDataDir();
        var relayBase = relay.Fake.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/v1";
        var key = await AddAsync(dataDir, ("relay", relayBase, relay.Key, 10), ("backup", backup.Fake.BaseUrl + "/v1", backup.Key, 1));
        IQuotaProvider provider = new BudgetHttpJsonProvider(budget.BaseUrl + "/api/budget", "localhost", BudgetField: "data.budget_usd", SpentField: "data.spent_usd");
        await using var gateway = await TestGateway.StartAsync(
            dataDir: dataDir,
            configure: c => c with { QuotaProviders = [provider] },
            settings: s => s with { Routing = new RoutingOptions { DefaultPool = new PoolOptions { Strategy = RoutingStrategy.Priority, OnExhausted = ExhaustedBehavior.Stop } } });
        using var http = new HttpClient();

        async Task<JsonElement> RefreshAsync()
        {
            using var response = await http.PostAsync(gateway.BaseUrl + "/_tollgate/accounts/refresh", null, Ct);
            return Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.EnumerateArray());
        }

        var first = await RefreshAsync();
        Assert.Equal("relay", first.GetProperty("account").GetString());
        Assert.Equal(0.2, first.GetProperty("share").GetDouble(), 3);
        Assert.Equal($"Bearer {relay.Key}", budget.Requests.Last().Headers["authorization"]); // the account's own key, as no token_env is set
        Assert.Equal("relay", await ServedByAsync(http, gateway, key));

        spent = 10;
        Assert.True((await RefreshAsync()).GetProperty("share").GetDouble() >= 1.0);
        Assert.Equal("backup", await ServedByAsync(http, gateway, key));

        failing = true;
        Assert.False((await RefreshAsync()).GetProperty("known").GetBoolean());
        Assert.Equal("relay", await ServedByAsync(http, gateway, key)); // unknown never counts as exhausted
    }

    [Fact]
    public async Task OpenAICosts_SumsThisMonthsPages_WithTheAdminKey()
    {
        var adminVar = "TOLLGATE_TEST_ADMIN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(adminVar, "sk-admin-test-000000000000");
        try
        {
            await using var org = await AccountUpstream.StartAsync("org");
            await using var costs = await FakeUpstream.StartAsync(app => app.MapGet("/v1/organization/costs", ctx => Wire.WriteJsonAsync(ctx.Response, ctx.Request.Query["page"] == "p2"
                ? """{"object":"page","data":[{"object":"bucket","results":[{"object":"organization.costs.result","amount":{"value":12.5,"currency":"usd"}}]}],"has_more":false,"next_page":null}"""
                : """{"object":"page","data":[{"object":"bucket","results":[{"amount":{"value":30.25,"currency":"usd"}},{"amount":{"value":7.25,"currency":"usd"}}]},{"object":"bucket","results":[]}],"has_more":true,"next_page":"p2"}""")));
            var dataDir = TestGateway.NewDataDir();
            await AddAsync(dataDir, ("main", costs.BaseUrl + "/v1", org.Key, 0));
            IQuotaProvider provider = new OpenAICostsProvider(["main"], adminVar, 100m);
            await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, configure: c => c with { QuotaProviders = [provider] });
            using var http = new HttpClient();

            using var response = await http.PostAsync(gateway.BaseUrl + "/_tollgate/accounts/refresh", null, Ct);
            var reading = Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.EnumerateArray());
            Assert.Equal(50m, reading.GetProperty("spent").GetDecimal());
            Assert.Equal(100m, reading.GetProperty("budget").GetDecimal());
            var requests = costs.Requests.ToList(); // the poller's first round at start, then the refresh: two pages each
            Assert.Equal(0, requests.Count % 2);
            Assert.Contains(requests, r => r.Query.Contains("page=p2", StringComparison.Ordinal));
            Assert.All(requests, r => Assert.Equal("Bearer sk-admin-test-000000000000", r.Headers["authorization"]));
            var now = TimeProvider.System.GetUtcNow();
            Assert.Contains($"start_time={new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()}", requests[0].Query);
        }
        finally
        {
            Environment.SetEnvironmentVariable(adminVar, null);
        }
    }
}
