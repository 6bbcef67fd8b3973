using Tollgate.Dashboard;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>The dashboard's start-up work is done once the gateway listens, before anyone visits.</summary>
public sealed class DashboardWarmupTests
{
    [Fact]
    public async Task Start_AsksForTheShellOnce_WithoutAVisit()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.Run(ctx => ctx.Response.WriteAsync("upstream", ctx.RequestAborted)));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", settings: s => s with { Dashboard = true, WarmDashboard = true });
        var warmup = gateway.Services.GetServices<IHostedService>().OfType<DashboardWarmup>().Single();

        await warmup.Warming.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(200, warmup.ShellStatus); // through the guard, as a browser on this machine
        Assert.Empty(fake.Requests); // its own page: nothing went upstream
        Assert.Equal(0, gateway.Live.TotalSeen); // and nothing was recorded as a call
    }

    [Fact]
    public async Task PlainServe_LeavesItForTheFirstVisit()
    {
        await using var fake = await FakeUpstream.StartAsync(app => app.Run(ctx => ctx.Response.WriteAsync("upstream", ctx.RequestAborted)));
        await using var gateway = await TestGateway.StartAsync(fake.BaseUrl + "/v1", settings: s => s with { Dashboard = true });

        Assert.Empty(gateway.Services.GetServices<IHostedService>().OfType<DashboardWarmup>());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8787", "http://127.0.0.1:8787/")]
    [InlineData("http://0.0.0.0:8787", "http://127.0.0.1:8787/")]
    [InlineData("http://[::]:9000", "http://127.0.0.1:9000/")]
    [InlineData("http://+:80", "http://127.0.0.1/")]
    [InlineData("http://localhost:5000", "http://localhost:5000/")]
    public void LoopbackUrl_TurnsWildcardBindsIntoLoopback(string address, string expected)
    {
        Assert.Equal(expected, DashboardWarmup.LoopbackUrl(address)?.ToString());
    }
}
