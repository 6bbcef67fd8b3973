using Tollgate.Dashboard;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The Sessions page in Chromium: the ingested Codex threads, newest first, with their tokens, and the search.</summary>
public sealed class SessionsPageTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    [Fact]
    public async Task Sessions_HistoryListsTheIngestedThreads_AndSearchFindsOne()
    {
        var page = await site.OpenAsync("/sessions");
        var sessions = await site.Gateway.Store.ReadCodexSessionsAsync(null, TestContext.Current.CancellationToken);
        Assert.NotEmpty(sessions);

        await Expect(page.GetByTestId("session-row")).ToHaveCountAsync(sessions.Count);
        await Expect(page.GetByTestId("no-active")).ToBeVisibleAsync(); // the generated home is long past
        await DashboardSite.ScreenshotAsync(page, "sessions");

        var thread = site.Home.ByThread().First();
        await page.Keyboard.PressAsync("/");
        var search = DashboardSite.Field(page, "session-search");
        await Expect(search).ToBeFocusedAsync();
        await search.FillAsync(thread.Key); // at once: key by key, a debounced re-render may race the typing
        var row = page.Locator($"[data-testid=session-row][data-id='{thread.Key}']");
        await Expect(page.GetByTestId("session-row")).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("session-tokens")).ToHaveTextAsync(Format.Tokens(sessions.Single(s => s.Id == thread.Key).TotalTokens));
        await Expect(row).ToContainTextAsync($"codex resume {thread.Key}");
    }
}
