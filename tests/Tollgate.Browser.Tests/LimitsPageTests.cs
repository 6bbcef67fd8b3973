using Tollgate.Api;
using Tollgate.Core.Usage.Reports;
using Tollgate.Dashboard;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The Limits page in Chromium: each window of the ingested Codex home as the store's limits report has it.</summary>
public sealed class LimitsPageTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    [Fact]
    public async Task Limits_ShowTheCodexHomesWindowsAsTheReportHasThem()
    {
        var page = await site.OpenAsync("/limits");
        var report = await LimitsReport.BuildAsync(site.Gateway.Store, TimeProvider.System.GetUtcNow(), ApiEndpoints.ActiveWithin, TestContext.Current.CancellationToken);
        var home = Assert.Single(report.Sources, s => s.Home is not null);
        Assert.NotEmpty(home.Windows);

        var card = page.Locator($"[data-testid=limit-source][data-source='{home.Home}']");
        await Expect(card.GetByTestId("limit-window")).ToHaveCountAsync(home.Windows.Count);
        await Expect(card.GetByTestId("limit-sent")).ToHaveTextAsync(home.Windows.Select(w => $"{Format.Count(w.Sent, "message")} in the window").ToArray());
        // The generated home's snapshot is long past: both windows have reset since.
        await Expect(card.GetByTestId("limit-used")).ToHaveTextAsync(home.Windows.Select(w => w.Reset ? "reset" : Format.Percent(w.UsedPercent!.Value / 100) + " used").ToArray());
        await Expect(card.Locator("[data-testid=limit-window][data-kind=FiveHour]")).ToContainTextAsync("5-hour window");
        await Expect(card.Locator("[data-testid=limit-window][data-kind=Weekly]")).ToContainTextAsync("Weekly window");
        await DashboardSite.ScreenshotAsync(page, "limits");
    }
}
