using System.Text;
using Tollgate.Dashboard;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The Requests page in Chromium: history from the store, and a call through the gateway appearing live.</summary>
public sealed class RequestsPageTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    [Fact]
    public async Task Requests_HistoryIsTheStoreNewestFirst_AndANewCallAppearsLive()
    {
        var page = await site.OpenAsync("/requests");

        var newest = site.Records.OrderByDescending(r => r.Time).Take(Dashboard.Pages.Requests.PageSize).ToList();
        await Expect(page.GetByTestId("history-row")).ToHaveCountAsync(newest.Count);
        await Expect(page.GetByTestId("history-tokens")).ToHaveTextAsync(newest.Select(r => r.Usage is { } u ? Format.Tokens(u.TotalTokens) : r.UsageState == Core.Usage.UsageState.Unknown ? "unknown" : "—").ToArray());
        await Expect(page.GetByTestId("live-row")).ToHaveCountAsync(0); // the page's own requests (the icon too) are never forwarded and recorded

        using var http = new HttpClient();
        using var response = await http.PostAsync(site.Gateway.BaseUrl + "/v1/responses",
            new StringContent("""{"model":"gpt-5.1-codex","input":"hello"}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode);

        // No reload: the circuit pushes the call once the writer has stored it.
        await Expect(page.GetByTestId("live-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("live-model")).ToContainTextAsync("gpt-5.1-codex");
        await Expect(page.GetByTestId("live-tokens")).ToHaveTextAsync("1,545");
        await Expect(page.GetByTestId("history-tokens").First).ToHaveTextAsync("1,545");
        await DashboardSite.ScreenshotAsync(page, "requests-live");

        await page.Keyboard.PressAsync("/"); // focuses the filter
        await page.Keyboard.TypeAsync("claude");
        await Expect(page.GetByTestId("live-row")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("o");
        await Expect(page.GetByTestId("total-value")).ToBeVisibleAsync(); // g o: the overview
    }
}
