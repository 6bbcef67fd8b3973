using Tollgate.Core.Usage.Queries;
using Tollgate.Dashboard;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The Pricing page in Chromium: an unpriced model is highlighted, given a price, recomputed, and its cost shows on the overview.</summary>
public sealed class PricingPageTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    private const string Model = "my-private-model";

    [Fact]
    public async Task Pricing_SetAPriceForAnUnpricedModelAndRecompute_TheOverviewShowsItsCost()
    {
        var page = await site.OpenAsync("/");
        var row = page.Locator($"[data-testid=by-model-row][data-key={Model}]");
        await Expect(row.GetByTestId("by-model-cost")).ToHaveTextAsync("unpriced");

        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("p");
        var seen = page.Locator($"[data-testid=seen-row][data-model={Model}]");
        await Expect(seen).ToHaveClassAsync("tg-unpriced");
        await DashboardSite.ScreenshotAsync(page, "pricing-unpriced");

        await seen.GetByTestId("set-price").ClickAsync();
        await DashboardSite.Field(page, "price-input").FillAsync("2");
        await DashboardSite.Field(page, "price-output").FillAsync("8");
        await DashboardSite.ScreenshotAsync(page, "pricing-dialog");
        await page.GetByTestId("price-save").ClickAsync();
        await Expect(page.Locator($"[data-testid=price-row][data-model={Model}]")).ToBeVisibleAsync();
        await Expect(seen).Not.ToHaveClassAsync("tg-unpriced");

        await page.GetByTestId("recompute").ClickAsync();
        await Expect(page.GetByTestId("recompute-done")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"^Priced [\d,]+ stored calls again"));

        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("o");
        // Input (cached reads at the input rate, as none was given) at $2 and output at $8 per 1M tokens.
        var range = UsageRange.Parse("last7days", null, null, null, TimeProvider.System.GetUtcNow());
        var calls = site.Between(range.From, range.Until).Where(r => r.Model == Model && r.Usage is not null).Select(r => r.Usage!.Value).ToList();
        var expected = calls.Sum(u => ((u.InputTokens * 2m) + (u.OutputTokens * 8m)) / 1_000_000m);
        await Expect(row.GetByTestId("by-model-cost")).ToHaveTextAsync(Format.Usd(expected));
        var stored = (await site.Gateway.ReadStoreAsync()).Where(r => r.Model == Model && r.Time >= range.From && r.Time < range.Until).Sum(r => r.CostUsd ?? 0);
        Assert.Equal(Format.Usd(expected), Format.Usd(stored));
        await DashboardSite.ScreenshotAsync(page, "pricing-overview-after");
    }

    [Fact]
    public async Task Pricing_SaveWithoutAnOutputPrice_SaysWhatIsMissingAndEscCloses()
    {
        var page = await site.OpenAsync("/pricing");

        await page.GetByTestId("add-price").ClickAsync();
        await DashboardSite.Field(page, "price-model").FillAsync("gpt-test-*");
        await DashboardSite.Field(page, "price-input").FillAsync("1");
        await page.GetByTestId("price-save").ClickAsync();
        await Expect(page.GetByTestId("price-error")).ToContainTextAsync("Input and output prices are required");

        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);
    }
}
