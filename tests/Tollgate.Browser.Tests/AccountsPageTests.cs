using Tollgate.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Browser.Tests;

/// <summary>The Accounts page in Chromium: add an account (its key into the vault, never shown), disable it, remove it.</summary>
public sealed class AccountsPageTests(DashboardSite site) : IClassFixture<DashboardSite>
{
    private const string Secret = "sk-test-dashboard-0123456789abcdef";

    [Fact]
    public async Task Accounts_AddDisableRemove_GoThroughTheStoreAndNeverShowTheKey()
    {
        var page = await site.OpenAsync("/accounts");
        await Expect(page.GetByTestId("no-accounts")).ToBeVisibleAsync();

        await page.GetByTestId("add-account").ClickAsync();
        await DashboardSite.Field(page, "account-name").FillAsync("team");
        await DashboardSite.Field(page, "account-url").FillAsync(site.Upstream.BaseUrl + "/v1");
        await DashboardSite.Field(page, "account-secret").FillAsync(Secret);
        await page.GetByTestId("account-save").ClickAsync();

        var card = page.Locator("[data-testid=account][data-name=team]");
        await Expect(card.GetByTestId("account-health")).ToHaveTextAsync("ok");
        await Expect(card.GetByTestId("account-key")).ToContainTextAsync("sk-");
        Assert.DoesNotContain(Secret, await page.ContentAsync(), StringComparison.Ordinal);
        var runtime = (AccountRuntime)site.Gateway.Services.GetService(typeof(AccountRuntime))!;
        var stored = Assert.Single(await runtime.Accounts.Store.ListAsync(TestContext.Current.CancellationToken));
        Assert.Equal(site.Upstream.BaseUrl + "/v1", stored.BaseUrl);
        await DashboardSite.ScreenshotAsync(page, "accounts");

        await card.Locator("input[data-testid=account-enabled], [data-testid=account-enabled] input").SetCheckedAsync(false, new() { Force = true });
        await Expect(card.GetByTestId("account-health")).ToHaveTextAsync("disabled");
        Assert.False((await runtime.Accounts.Store.ListAsync(TestContext.Current.CancellationToken))[0].Enabled);

        await card.GetByTestId("account-remove").ClickAsync();
        await page.GetByTestId("account-remove-confirm").ClickAsync();
        await Expect(page.GetByTestId("no-accounts")).ToBeVisibleAsync();
        Assert.Empty(await runtime.Accounts.Store.ListAsync(TestContext.Current.CancellationToken));
    }
}
