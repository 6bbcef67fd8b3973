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
}
