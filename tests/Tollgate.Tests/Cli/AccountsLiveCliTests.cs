using System.Globalization;
using System.Text.Json;
using Tollgate.Core.Routing;
using Tollgate.Tests.Infrastructure;
using Tollgate.Tests.Routing;

namespace Tollgate.Tests.Cli;

/// <summary>The account commands next to a running gateway and a quota endpoint: live health in <c>list</c>, <c>refresh</c> on its own.</summary>
public sealed class AccountsLiveCliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Env(string dataDir) => new()
    {
        ["HOME"] = dataDir,
        ["TOLLGATE_DATA_DIR"] = dataDir,
    };

    private static async Task WriteConfigAsync(string dataDir, string toml)
    {
        var file = Path.Combine(dataDir, ".config", "tollgate", "tollgate.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, toml, Ct);
    }

    [Fact]
    public async Task List_ShowsTheRunningGatewaysHealth_CooldownIncluded()
    {
        await using var limited = await AccountUpstream.StartAsync("limited", UpstreamMode.RateLimited);
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        foreach (var (up, priority) in new[] { (limited, "10"), (healthy, "1") })
        {
            var (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env(dataDir), up.Key + "\n", "accounts", "add", up.Name, "--base-url", up.Fake.BaseUrl + "/v1", "--key-stdin", "--priority", priority);
            Assert.True(code == 0, stderr);
        }

        var (_, keyOut, _) = await TollgateProcess.RunAsync(Env(dataDir), "keys", "create", "cli");
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: s => s with
        {
            Routing = new RoutingOptions { DefaultPool = new PoolOptions { Strategy = RoutingStrategy.Priority } },
        });
        var port = new Uri(gateway.BaseUrl).Port.ToString(CultureInfo.InvariantCulture);
        await WriteConfigAsync(dataDir, $"[server]\nport = {port}\n");

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = new StringContent("""{"model":"gpt-5.1","stream":true}""", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", keyOut.Trim());
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal("healthy", response.Headers.GetValues("x-tollgate-account").Single());

        var (listCode, stdout, listErr) = await TollgateProcess.RunAsync(Env(dataDir), "accounts", "list", "--json");
        Assert.True(listCode == 0, listErr);
        var health = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("health"));
        Assert.Equal("cooldown", health["limited"].GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKind.Null, health["limited"].GetProperty("until").ValueKind);
        Assert.Equal("ok", health["healthy"].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Refresh_WithoutAGateway_AsksTheProviderItself()
    {
        await using var budget = await FakeUpstream.StartAsync(app => app.MapGet("/budget", ctx => Wire.WriteJsonAsync(ctx.Response, """{"budget":40,"spent":10}""")));
        var dataDir = TestGateway.NewDataDir();
        try
        {
            var (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env(dataDir), "sk-test-relay-000000000000000\n", "accounts", "add", "relay", "--base-url", "http://localhost:9/v1", "--key-stdin");
            Assert.True(code == 0, stderr);
            await WriteConfigAsync(dataDir, $"[server]\nport = 9\n\n[[quota_providers]]\nkind = \"budget_http_json\"\nurl = \"{budget.BaseUrl}/budget\"\nmatch_domain = \"localhost\"\n");

            var (refreshCode, stdout, refreshErr) = await TollgateProcess.RunAsync(Env(dataDir), "accounts", "refresh", "--json");
            Assert.True(refreshCode == 0, refreshErr);
            var row = Assert.Single(JsonDocument.Parse(stdout).RootElement.EnumerateArray());
            Assert.Equal("relay", row.GetProperty("account").GetString());
            Assert.Equal(0.25, row.GetProperty("share").GetDouble(), 3);
            Assert.Equal("Bearer sk-test-relay-000000000000000", budget.Requests.Single().Headers["authorization"]);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
