using Tollgate.Dashboard;
using Tollgate.Testing;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The Settings page in Chromium: the Codex homes with what ingestion found, adding one, storage paths, client keys.</summary>
public sealed class SettingsPageTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    [Fact]
    public async Task Settings_HomesShowIngestion_AddAHome_CreateAndRevokeAKey()
    {
        var page = await site.OpenAsync("/settings");
        var ct = TestContext.Current.CancellationToken;
        var home = Path.Combine(site.Gateway.DataDir, ".codex");
        var stats = (await site.Gateway.Store.ReadHomeStatsAsync(ct))[home];

        var row = page.Locator($"[data-testid=home-row][data-path='{home}']");
        await Expect(row.GetByTestId("home-files")).ToHaveTextAsync(Format.Tokens(stats.Files));
        await Expect(row.GetByTestId("home-malformed")).ToHaveTextAsync(Format.Tokens(stats.MalformedLines + stats.OversizedLines));
        Assert.True(site.Home.MalformedLines > 0 && stats.MalformedLines > 0);
        await Expect(page.GetByTestId("paths")).ToContainTextAsync(site.Gateway.Paths.DatabasePath);

        var other = Path.Combine(site.Gateway.DataDir, "other-codex");
        CodexHomeGenerator.Generate(other, new CodexHomeOptions { Seed = 3, Threads = 2, Start = new DateTimeOffset(2025, 1, 5, 0, 0, 0, TimeSpan.Zero), Days = 3, Malformed = false });
        await DashboardSite.Field(page, "home-path").FillAsync(other);
        await page.GetByTestId("home-add").ClickAsync();
        var added = page.Locator($"[data-testid=home-row][data-path='{other}']");
        await Expect(added).ToContainTextAsync("added");
        await Expect(added.GetByTestId("home-files")).Not.ToHaveTextAsync("0");

        await DashboardSite.Field(page, "key-name").FillAsync("laptop");
        await page.GetByTestId("key-create").ClickAsync();
        await Expect(page.GetByTestId("key-created")).ToContainTextAsync("tg-");
        await Expect(page.Locator("[data-testid=client-key][data-name=laptop]")).ToBeVisibleAsync();
        await DashboardSite.ScreenshotAsync(page, "settings");

        await page.Locator("[data-testid=client-key][data-name=laptop]").GetByTestId("key-revoke").ClickAsync();
        await Expect(page.GetByTestId("client-key")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("key-created")).ToHaveCountAsync(0);
    }
}
