using Bunit;
using MudBlazor.Services;
using Tollgate.Core.Usage.Queries;
using Tollgate.Dashboard.Components;
using Tollgate.Dashboard.Pages;

namespace Tollgate.Tests.Dashboard;

/// <summary>bUnit renders of the dashboard's components that hold logic.</summary>
public sealed class ComponentTests : IDisposable
{
    private readonly BunitContext _context = new();

    public ComponentTests()
    {
        _context.Services.AddMudServices();
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public void Dispose() => _context.Dispose();

    [Theory]
    [InlineData(0.5, "tg-up", "+50 %")]
    [InlineData(-0.2, "tg-down", "−20 %")]
    [InlineData(null, "", "new")]
    public void StatCard_ShowsTheChangeWithItsDirection(double? change, string css, string text)
    {
        var card = _context.Render<StatCard>(p => p.Add(c => c.Title, "Cost").Add(c => c.Value, "$1.00").Add(c => c.Change, change).Add(c => c.TestId, "cost"));

        var line = card.Find("[data-testid=cost-change]");
        Assert.Contains(text, line.TextContent, StringComparison.Ordinal);
        Assert.Equal(css, card.Instance.ChangeClass);
        Assert.Equal("$1.00", card.Find("[data-testid=cost-value]").TextContent);
    }

    [Fact]
    public void StatCard_WithoutAPreviousPeriod_ShowsTheNoteInstead()
    {
        var card = _context.Render<StatCard>(p => p.Add(c => c.Title, "Cost").Add(c => c.Value, "$1.00").Add(c => c.ShowChange, false).Add(c => c.Note, "no earlier period").Add(c => c.TestId, "cost"));

        Assert.Empty(card.FindAll("[data-testid=cost-change]"));
        Assert.Contains("no earlier period", card.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UTC", "December 2026")]
    [InlineData("America/New_York", "November 2026")] // 03:00 UTC on the 1st is still the 30th there
    public void ForecastCard_NamesTheMonthOfItsZone(string zoneId, string month)
    {
        var now = new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);

        var card = _context.Render<ForecastCard>(p => p.Add(c => c.Spent, UsageFigures.Zero).Add(c => c.Now, now).Add(c => c.Zone, TimeZoneInfo.FindSystemTimeZoneById(zoneId)));

        Assert.Contains(month, card.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Breakdown_BarsAreSharesOfTheLargestRow()
    {
        var rows = new List<Breakdown.Row> { new("gpt-5.1-codex", 200, "$2.00"), new("gpt-5-mini", 50, "$0.10") };

        var table = _context.Render<Breakdown>(p => p.Add(c => c.Title, "By model").Add(c => c.Rows, rows).Add(c => c.TestId, "by-model"));

        var bars = table.FindAll(".tg-share").Select(b => b.GetAttribute("style")).ToList();
        Assert.Equal(["width: 100%", "width: 25%"], bars);
        Assert.Equal(["200", "50"], table.FindAll("[data-testid=by-model-tokens]").Select(c => c.TextContent));
        Assert.Equal(["$2.00", "$0.10"], table.FindAll("[data-testid=by-model-cost]").Select(c => c.TextContent));
    }

    [Fact]
    public void Breakdown_Empty_SaysSo()
    {
        var table = _context.Render<Breakdown>(p => p.Add(c => c.Title, "By account").Add(c => c.Rows, []));

        Assert.Contains("Nothing in this range", table.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void TrendChart_OneBarPerPointWithItsNumbersInTheTooltip()
    {
        var points = new List<TrendPoint> { new("Nov 1", 1000, 0.5m), new("Nov 2", 2500, 1.25m) };

        var chart = _context.Render<TrendChart>(p => p.Add(c => c.Points, points));

        var bars = chart.FindAll("rect.tg-bar");
        Assert.Equal(2, bars.Count);
        Assert.Equal("Nov 2: 2,500 tokens, $1.25", bars[1].QuerySelector("title")!.TextContent);
        Assert.Single(chart.FindAll("polyline.tg-cost"));
    }

    [Fact]
    public void TrendChart_NoPoints_SaysThereWereNoCalls()
    {
        var chart = _context.Render<TrendChart>(p => p.Add(c => c.Points, []));

        Assert.Empty(chart.FindAll("svg"));
        Assert.Contains("No calls in this range", chart.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenTypes_AddUpToTheTotal()
    {
        var figures = new UsageFigures(3, InputTokens: 1000, CachedInputTokens: 300, CacheWriteTokens: 100, OutputTokens: 500, ReasoningTokens: 120, 1m, 0, 0);

        var rows = Overview.TokenTypes(figures);

        Assert.Equal([600, 300, 100, 380, 120], rows.Select(r => r.Tokens));
        Assert.Equal(figures.TotalTokens, rows.Sum(r => r.Tokens));
    }

    [Theory]
    [InlineData(5.0, null, 100L, 1000L, 10.0)] // tokens decide: 10 %
    [InlineData(9.0, 10.0, 100L, null, 90.0)] // dollars decide: 90 %
    [InlineData(12.0, 10.0, 0L, null, 100.0)] // past the limit: a full bar
    public void UsageBar_TheLargerShareOfItsLimitsFillsTheBar(double used, double? limit, long tokens, long? tokenLimit, double expected)
    {
        var bar = _context.Render<UsageBar>(p => p.Add(c => c.Label, "Today").Add(c => c.Used, (decimal)used).Add(c => c.Limit, (decimal?)limit).Add(c => c.Tokens, tokens).Add(c => c.TokenLimit, tokenLimit));

        Assert.Equal(expected, Math.Min(bar.Instance.Share!.Value, 1) * 100, 6);
        Assert.Single(bar.FindAll(".mud-progress-linear"));
    }

    [Fact]
    public void UsageBar_WithoutLimits_ShowsOnlyTheFigures()
    {
        var bar = _context.Render<UsageBar>(p => p.Add(c => c.Label, "Today").Add(c => c.Used, 1.5m).Add(c => c.Tokens, 12_345));

        Assert.Null(bar.Instance.Share);
        Assert.Empty(bar.FindAll(".mud-progress-linear"));
        Assert.Contains("$1.50 · 12.3K tokens", bar.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, "50 %", MudBlazor.Color.Success)]
    [InlineData(0.75, "75 %", MudBlazor.Color.Warning)]
    [InlineData(0.95, "95 %", MudBlazor.Color.Error)]
    public void ContextBar_PressureColoursAndPercent(double use, string text, MudBlazor.Color color)
    {
        var bar = _context.Render<ContextBar>(p => p.Add(c => c.Use, use).Add(c => c.Window, 200_000L).Add(c => c.Used, (long)(use * 200_000)));

        Assert.Contains(text, bar.Find(".tg-context-text").TextContent, StringComparison.Ordinal);
        Assert.Equal(color, ContextBar.ColorOf(use));
        Assert.Contains("of 200,000 tokens", bar.Find("[data-testid=context-bar]").GetAttribute("title"), StringComparison.Ordinal);
    }

    [Fact]
    public void ContextBar_Unknown_SaysSo()
    {
        var bar = _context.Render<ContextBar>();

        Assert.Empty(bar.FindAll(".mud-progress-linear"));
        Assert.Contains("context unknown", bar.Markup, StringComparison.Ordinal);
    }
}
