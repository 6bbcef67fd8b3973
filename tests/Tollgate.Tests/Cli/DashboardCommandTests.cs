using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate dashboard</c>: opens what runs, or starts a gateway with the dashboard.</summary>
public sealed class DashboardCommandTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Dashboard_GatewayAlreadyRunning_PrintsItsUrlAndExits()
    {
        await using var gateway = await TestGateway.StartAsync(settings: s => s with { Dashboard = true });
        var port = new Uri(gateway.BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, stdout, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), "dashboard", "--port", port, "--no-open");

        Assert.True(code == 0, stderr);
        Assert.Equal($"http://127.0.0.1:{port}/", stdout.Trim());
        Assert.Contains("already running", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_NothingRunning_StartsAGatewayServingTheDashboardUntilStopped()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.Run(ctx => ctx.Response.WriteAsync("upstream", ctx.RequestAborted)));
        await using var dashboard = TollgateProcess.Start(_sandbox.Env(), "dashboard", "--port", "0", "--no-open", "--upstream", fake.BaseUrl + "/v1");

        await dashboard.WaitForStderrAsync("gateway started", TimeSpan.FromSeconds(60));
        var url = dashboard.Stdout.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("http://", StringComparison.Ordinal)); // among the host's log lines
        Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Contains("_framework/blazor.web.js", await http.GetStringAsync(url, Ct), StringComparison.Ordinal);
        Assert.Equal("upstream", await http.GetStringAsync(url + "v1/models", Ct));

        dashboard.Terminate();
        Assert.Equal(0, await dashboard.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task DashboardTurnedOff_ServeForwardsTheRoot_ButTheDashboardCommandStillServesIt()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.Run(ctx => ctx.Response.WriteAsync("upstream " + ctx.Request.Path, ctx.RequestAborted)));
        var env = _sandbox.Env();
        env["TOLLGATE_SERVER__DASHBOARD"] = "false";
        using var http = new HttpClient();

        await using (var serve = TollgateProcess.Start(env, "serve", "--port", "0", "--upstream", fake.BaseUrl + "/v1"))
        {
            var banner = await serve.WaitForStderrAsync("listening on", TimeSpan.FromSeconds(60));
            var url = System.Text.RegularExpressions.Regex.Match(banner, @"http://127\.0\.0\.1:\d+").Value;
            Assert.Equal("upstream /v1/", await http.GetStringAsync(url + "/", Ct)); // no dashboard: the root is a client's call, forwarded
            serve.Terminate();
            Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        await using var dashboard = TollgateProcess.Start(env, "dashboard", "--port", "0", "--no-open", "--upstream", fake.BaseUrl + "/v1");
        await dashboard.WaitForStderrAsync("gateway started", TimeSpan.FromSeconds(60));
        var page = dashboard.Stdout.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("http://", StringComparison.Ordinal));
        Assert.Contains("_framework/blazor.web.js", await http.GetStringAsync(page, Ct), StringComparison.Ordinal);
        dashboard.Terminate();
        Assert.Equal(0, await dashboard.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}
