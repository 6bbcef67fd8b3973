using Microsoft.Playwright;
using Tollgate.Core.Usage.Queries;
using Tollgate.Dashboard;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The overview in Chromium: the cards and breakdowns show the store's sums, the range is remembered.</summary>
public sealed class OverviewPageTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    [Fact]
    public async Task Overview_CardsAndBreakdownsShowTheStoreSums_AndTheRangeIsRemembered()
    {
        var page = await site.OpenAsync("/");

        await ExpectFiguresAsync(page, "last7days");
        await DashboardSite.ScreenshotAsync(page, "overview-last7days");

        await page.GetByTestId("range").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Last 30 days" }).ClickAsync();
        await ExpectFiguresAsync(page, "last30days");

        await page.ReloadAsync();
        await ExpectFiguresAsync(page, "last30days"); // from local storage, not the default
        await DashboardSite.ScreenshotAsync(page, "overview-last30days");
    }

    [Fact]
    public async Task Overview_DarkAndNarrow_StillShowsEveryCard()
    {
        var page = await site.OpenAsync("/", width: 420, scheme: ColorScheme.Dark);

        await ExpectFiguresAsync(page, "last7days");
        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.Equal("rgb(23, 24, 28)", background); // the dark palette follows the system
        await DashboardSite.ScreenshotAsync(page, "overview-dark-narrow");
    }

    private async Task ExpectFiguresAsync(IPage page, string rangeName)
    {
        var range = UsageRange.Parse(rangeName, null, null, null, TimeProvider.System.GetUtcNow());
        var records = site.Between(range.From, range.Until).ToList();
        Assert.NotEmpty(records);
        long Sum(Func<Core.Usage.TokenUsage, long> pick) => records.Sum(r => r.Usage is { } u ? pick(u) : 0);
        await Expect(page.GetByTestId("total-value")).ToHaveTextAsync(Format.Tokens(Sum(u => u.InputTokens + u.OutputTokens)));
        await Expect(page.GetByTestId("input-value")).ToHaveTextAsync(Format.Tokens(Sum(u => u.InputTokens)));
        await Expect(page.GetByTestId("cached-value")).ToHaveTextAsync(Format.Tokens(Sum(u => u.CachedInputTokens)));
        await Expect(page.GetByTestId("output-value")).ToHaveTextAsync(Format.Tokens(Sum(u => u.OutputTokens)));
        await Expect(page.GetByTestId("reasoning-value")).ToHaveTextAsync(Format.Tokens(Sum(u => u.ReasoningTokens)));
        var unpriced = records.Count(r => r.Usage is not null && r.CostUsd is null);
        await Expect(page.GetByTestId("cost-value")).ToHaveTextAsync(Format.Cost(records.Sum(r => r.CostUsd ?? 0), unpriced));

        var byModel = records.GroupBy(r => r.Model ?? UsageQueries.None)
            .Select(g => (Model: g.Key, Tokens: g.Sum(r => r.Usage?.TotalTokens ?? 0)))
            .OrderByDescending(g => g.Tokens)
            .ToList();
        await Expect(page.GetByTestId("by-model-row")).ToHaveCountAsync(byModel.Count);
        await Expect(page.GetByTestId("by-model-tokens")).ToHaveTextAsync(byModel.Select(m => Format.Tokens(m.Tokens)).ToArray());
        await Expect(page.Locator("[data-testid=trend] rect.tg-bar")).Not.ToHaveCountAsync(0);
    }
}
