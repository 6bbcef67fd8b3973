using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Tests.Infrastructure;
using Tollgate.Tests.Proxy;

namespace Tollgate.Tests.Cli;

/// <summary>
/// What a new user does: run <c>tollgate serve</c>, point a client at it, stop it, and read
/// <c>tollgate usage daily</c>. The real executable, as a child process.
/// </summary>
public sealed partial class CliEndToEndTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-cli-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    private Dictionary<string, string> Env(params (string, string)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _dir.FullName,
            ["TOLLGATE_DATA_DIR"] = Path.Combine(_dir.FullName, "data"),
            ["XDG_CONFIG_HOME"] = Path.Combine(_dir.FullName, "config"),
        };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }

        return env;
    }

    [Fact]
    public async Task ServeThenUsageDaily_SigtermDrainsAndReportMatchesUpstream()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r1", "gpt-5.1-codex", ["hi"], new OpenAITokens(1200, 1000, 300, 120)))));
        await using (var serve = TollgateProcess.Start(Env(), "serve", "--port", "0", "--upstream", fake.BaseUrl + "/v1"))
        {
            var banner = await serve.WaitForStderrAsync("listening on", TimeSpan.FromSeconds(60));
            var url = ListeningUrl().Match(banner).Groups[1].Value;
            using var http = new HttpClient();
            for (var i = 0; i < 3; i++)
            {
                var response = await http.PostAsync(url + "/v1/responses", FaultTests.Json("""{"model":"gpt-5.1-codex","stream":true}"""), Ct);
                Assert.Contains("response.completed", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }

            serve.Terminate();
            Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        var (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), "usage", "daily", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal(3 * 200, totals.GetProperty("inputTokens").GetInt64()); // without cache reads
        Assert.Equal(3 * 1000, totals.GetProperty("cacheReadTokens").GetInt64());
        Assert.Equal(3 * 300, totals.GetProperty("outputTokens").GetInt64());
        Assert.Equal(3 * 120, totals.GetProperty("reasoningOutputTokens").GetInt64());
        Assert.Equal(3 * 1500, totals.GetProperty("totalTokens").GetInt64());
        Assert.Equal(3 * (200 * 1.25m + 1000 * 0.125m + 300 * 10m) / 1_000_000m, totals.GetProperty("costUSD").GetDecimal());
        var day = Assert.Single(json.RootElement.GetProperty("daily").EnumerateArray());
        Assert.Equal(3, day.GetProperty("models").GetProperty("gpt-5.1-codex").GetProperty("requests").GetInt64());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", day.GetProperty("date").GetString()!);

        var (tableCode, table, _) = await TollgateProcess.RunAsync(Env(), "usage", "daily", "--breakdown");
        Assert.Equal(0, tableCode);
        Assert.Contains("gpt-5.1-codex", table, StringComparison.Ordinal);
        Assert.Contains("$0.0101", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_NoAccounts_FollowsCodexsProvider_OrFailsFastWithoutItsKey()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r1", "gpt-5.1-codex", ["hi"], new OpenAITokens(10, 0, 3, 0)))));
        var codexHome = Directory.CreateDirectory(Path.Combine(_dir.FullName, ".codex")).FullName;
        await File.WriteAllTextAsync(Path.Combine(codexHome, "config.toml"), $"""
            model_provider = "relay"

            [model_providers.relay]
            name = "Team relay"
            base_url = "{fake.BaseUrl}/v1"
            wire_api = "responses"
            env_key = "RELAY_API_KEY"
            """, Ct);

        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "serve", "--port", "0");
        Assert.Equal(3, code);
        Assert.Contains("sends the key in $RELAY_API_KEY, which is not set here", stderr, StringComparison.Ordinal);

        // An upstream the user names wins: Codex's setup is not read at all.
        await using (var told = TollgateProcess.Start(Env(), "serve", "--port", "0", "--upstream", fake.BaseUrl + "/v1"))
        {
            Assert.DoesNotContain("Codex", await told.WaitForStderrAsync("listening on", TimeSpan.FromSeconds(60)), StringComparison.Ordinal);
            told.Terminate();
            Assert.Equal(0, await told.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        await using (var serve = TollgateProcess.Start(Env(("RELAY_API_KEY", "sk-test-relay-0000")), "serve", "--port", "0"))
        {
            var banner = await serve.WaitForStderrAsync("listening on", TimeSpan.FromSeconds(60));
            Assert.Contains($"Codex uses provider 'relay' (Team relay) at {fake.BaseUrl}/v1", banner, StringComparison.Ordinal);
            using var http = new HttpClient();
            var response = await http.PostAsync(ListeningUrl().Match(banner).Groups[1].Value + "/v1/responses", FaultTests.Json("""{"model":"gpt-5.1-codex","stream":true}"""), Ct);
            Assert.Contains("response.completed", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            serve.Terminate();
            Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal("/v1/responses", Assert.Single(fake.Requests).Path);

        // Once an account exists, Tollgate brings the key: Codex's setup is not read (the missing variable no longer matters).
        var (added, _, addError) = await TollgateProcess.RunWithInputAsync(Env(), "sk-test-bootstrap-account-0000\n", "accounts", "add", "team", "--base-url", fake.BaseUrl + "/v1", "--key-stdin");
        Assert.True(added == 0, addError);
        await using (var withAccount = TollgateProcess.Start(Env(), "serve", "--port", "0"))
        {
            Assert.DoesNotContain("Codex uses", await withAccount.WaitForStderrAsync("listening on", TimeSpan.FromSeconds(60)), StringComparison.Ordinal);
            withAccount.Terminate();
            Assert.Equal(0, await withAccount.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
    }

    [Fact]
    public async Task Serve_ConfigWithTypo_ExitsWithClearMessage()
    {
        var config = Path.Combine(_dir.FullName, "tollgate.toml");
        await File.WriteAllTextAsync(config, "[server]\nprot = 9000\n", Ct);

        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(("TOLLGATE_CONFIG", config)), "serve");

        Assert.Equal(3, code);
        Assert.Contains("unknown key 'server.prot' (did you mean 'server.port'?)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidFilterFile_DoesNotStartAndNamesTheRule()
    {
        var config = Path.Combine(_dir.FullName, "tollgate.toml");
        await File.WriteAllTextAsync(config, "", Ct);
        var filters = Path.Combine(_dir.FullName, "filter.json");
        await File.WriteAllTextAsync(filters, """[{ "op": "remove", "source": "a" }, { "op": "swap", "source": "b", "target": "c" }]""", Ct);

        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(("TOLLGATE_CONFIG", config)), "serve", "--port", "0");

        Assert.Equal(3, code);
        Assert.Contains($"the request body filters in {filters} are not valid", stderr, StringComparison.Ordinal);
        Assert.Contains("rule 2: op must be \"replace\" or \"remove\", got \"swap\"", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PortInUse_ExitsWithClearMessage()
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "serve", "--port", port);

        Assert.Equal(4, code);
        Assert.Contains("already in use", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "serve", "--host", "0.0.0.0")]
    [InlineData(2, "usage", "daily", "--since", "2026-13-01")]
    [InlineData(2, "usage", "daily", "--timezone", "Mars/Olympus")]
    [InlineData(2, "serve", "--upstream", "not-a-url")]
    [InlineData(2, "no-such-command")]
    public async Task BadArguments_NonZeroExitAndMessage(int expected, params string[] args)
    {
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), args);

        Assert.True(code >= expected, $"exit {code}: {stderr}");
        Assert.False(string.IsNullOrWhiteSpace(stderr + stdout));
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningUrl();
}
