using Microsoft.Playwright;
using Tollgate.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>
/// Opt-in: the overview over a large store (the issue asks for interactive within a second at a
/// million records). Make one with the bench (<c>Tollgate.Bench.dll generate-store DIR 1000000</c>)
/// and run with <c>TOLLGATE_DASHBOARD_BENCH_STORE=DIR</c>.
/// </summary>
public sealed class OverviewScaleTests
{
    [Fact]
    public async Task Overview_LargeStore_ShowsItsFiguresWithinASecond()
    {
        var dir = Environment.GetEnvironmentVariable("TOLLGATE_DASHBOARD_BENCH_STORE") ?? "";
        if (dir.Length == 0)
        {
            Assert.Skip("opt-in: set TOLLGATE_DASHBOARD_BENCH_STORE to a data folder made by the bench's generate-store");
        }

        var chromium = BrowserRequirement.Require();
        await using var gateway = await TestGateway.StartAsync(dataDir: dir, settings: s => s with { Dashboard = true });
        gateway.KeepDataDir = true;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });

        var times = new List<double>();
        var shells = new List<double>();
        for (var i = 0; i < 3; i++) // the first visit also pays the JIT; the later ones are what a person sees
        {
            var context = await browser.NewContextAsync(new() { BaseURL = gateway.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
            await context.AddInitScriptAsync("localStorage.setItem('tollgate.range', 'last12months')");
            var page = await context.NewPageAsync();
            var started = TimeProvider.System.GetTimestamp();
            await page.GotoAsync("/");
            await Expect(page.Locator(".mud-layout")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            shells.Add(TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            await Expect(page.GetByTestId("by-model-row").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            times.Add(TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            await DashboardSite.ScreenshotAsync(page, "overview-large-store");
            await context.DisposeAsync();
        }

        var report = $"the overview took {string.Join(", ", times.Select(t => $"{t:0} ms"))} (the circuit's first paint at {string.Join(", ", shells.Select(t => $"{t:0} ms"))})";
        TestContext.Current.SendDiagnosticMessage(report);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "overview-large-store.txt"), report + Environment.NewLine); // kept beside the screenshots
        Assert.True(times.Skip(1).Max() < 1000, report);
    }
}
