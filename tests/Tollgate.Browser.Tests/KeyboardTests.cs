using Tollgate.Core.Usage;
using Tollgate.Dashboard;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The dashboard's keys in Chromium: r reads the store again, g + letter switches pages.</summary>
public sealed class KeyboardTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    [Fact]
    public async Task R_ReadsTheStoreAgain_AndGLettersReachEveryPage()
    {
        var page = await site.OpenAsync("/");
        await Expect(page.GetByTestId("total-value")).Not.ToHaveTextAsync("0");
        var before = long.Parse((await page.GetByTestId("total-value").TextContentAsync())!.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);

        // Written straight to the store (as ingestion does), not through the writer: no live push.
        await site.Gateway.Store.AppendAsync([new UsageRecord
        {
            Id = Guid.NewGuid(),
            Time = TimeProvider.System.GetUtcNow().AddSeconds(-5),
            Source = "codex-log",
            Service = "openai",
            Endpoint = "/v1/responses",
            Status = 200,
            Model = "gpt-5.1-codex",
            UsageState = UsageState.Reported,
            Usage = new TokenUsage(1000, 0, 0, 234, 0),
        }], TestContext.Current.CancellationToken);
        await page.Keyboard.PressAsync("r");
        await Expect(page.GetByTestId("total-value")).ToHaveTextAsync(Format.Tokens(before + 1234));

        foreach (var (key, heading) in new[] { ("r", "Requests"), ("s", "Sessions"), ("l", "Limits"), ("a", "Accounts"), ("p", "Pricing"), ("t", "Settings"), ("o", "Overview") })
        {
            await page.Keyboard.PressAsync("g");
            await page.Keyboard.PressAsync(key);
            await Expect(page.Locator("h1")).ToHaveTextAsync(heading);
        }
    }
}
