using Microsoft.Playwright;
using Tollgate.Core.Pricing;
using Tollgate.Core.Usage;
using Tollgate.Testing;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Browser.Tests;

/// <summary>
/// A gateway with the dashboard, a fake OpenAI upstream behind it and a store of generated
/// records ending a minute ago (the real clock: the browser's circuit runs on it), plus a
/// headless Chromium. Each test class gets its own, so editing prices in one never shows in another.
/// </summary>
public sealed class DashboardSite : IAsyncLifetime
{
    private IPlaywright? _playwright;

    internal TestGateway Gateway { get; private set; } = null!;
    internal FakeUpstream Upstream { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The generated records, priced as the gateway prices them.</summary>
    public IReadOnlyList<UsageRecord> Records { get; private set; } = [];

    /// <summary>The generated Codex home the gateway ingested (its default home, ~/.codex).</summary>
    public GeneratedHome Home { get; private set; } = null!;

    /// <summary>Where screenshots go: screenshots/ in the test output folder.</summary>
    public static string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (BrowserRequirement.Executable() is not { } chromium)
        {
            return; // each test skips (or fails) through BrowserRequirement.Require
        }

        Upstream = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"id":"resp_1","object":"response","model":"gpt-5.1-codex","status":"completed","output":[],"usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":200},"output_tokens":345,"output_tokens_details":{"reasoning_tokens":100},"total_tokens":1545}}""");
        }));
        Gateway = await TestGateway.StartAsync(Upstream.BaseUrl + "/v1", settings: s => s with { Dashboard = true });
        var prices = (PriceTable)Gateway.Services.GetService(typeof(PriceTable))!;
        var end = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        Records = new UsageRecordGenerator { Count = 1500, End = end }.Generate()
            .Select(r => r.Usage is { } u ? r with { CostUsd = prices.Cost(r.Model, u, r.ServiceTier) is { } c ? decimal.Round(c, 12) : null } : r)
            .ToList();
        foreach (var batch in Records.Chunk(500))
        {
            await Gateway.Store.AppendAsync(batch, CancellationToken.None);
        }

        // A Codex home whose calls are long past: the pages that read Codex logs have sessions and
        // limits to show, and the ranges the other tests check hold only the generated records.
        Home = CodexHomeGenerator.Generate(Path.Combine(Gateway.DataDir, ".codex"), new CodexHomeOptions { Threads = 12, Start = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), Days = 20 });
        await ((Hosting.CodexLogService)Gateway.Services.GetService(typeof(Hosting.CodexLogService))!).RunNowAsync(CancellationToken.None);

        Directory.CreateDirectory(ScreenshotDir);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <summary>A fresh browser context (its own local storage) on a page of the dashboard, once the circuit has drawn it.</summary>
    public async Task<IPage> OpenAsync(string path, int width = 1280, ColorScheme scheme = ColorScheme.Light)
    {
        BrowserRequirement.Require();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            ColorScheme = scheme,
            BaseURL = Gateway.BaseUrl,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await Assertions.Expect(page.Locator(".mud-layout")).ToBeVisibleAsync();
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });

    /// <summary>An input by its test id, whether the id sits on the input or on the component around it.</summary>
    public static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input");

    /// <summary>The records in [from, until).</summary>
    public IEnumerable<UsageRecord> Between(DateTimeOffset? from, DateTimeOffset? until) =>
        Records.Where(r => (from is null || r.Time >= from) && (until is null || r.Time < until));

    public async ValueTask DisposeAsync()
    {
        if (_playwright is null)
        {
            return;
        }

        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
