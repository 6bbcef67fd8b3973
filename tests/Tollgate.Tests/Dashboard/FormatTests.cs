using Tollgate.Dashboard;

namespace Tollgate.Tests.Dashboard;

public sealed class FormatTests
{
    [Theory]
    [InlineData(0, "0")]
    [InlineData(1234567, "1,234,567")]
    public void Tokens_GroupsEveryDigit(long value, string expected) => Assert.Equal(expected, Format.Tokens(value));

    [Theory]
    [InlineData(950, "950")]
    [InlineData(12_345, "12.3K")]
    [InlineData(4_500_000, "4.5M")]
    [InlineData(1_200_000_000, "1.2B")]
    public void Compact_UsesTheLargestUnit(double value, string expected) => Assert.Equal(expected, Format.Compact(value));

    [Theory]
    [InlineData("0", 0, "$0.00")]
    [InlineData("1234.5", 0, "$1,234.50")]
    [InlineData("0.0042", 0, "$0.0042")]
    [InlineData("3.1", 2, "$3.10+")]
    [InlineData("0", 5, "unpriced")]
    public void Cost_MarksUnpricedCalls(string value, long unpriced, string expected) =>
        Assert.Equal(expected, Format.Cost(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), unpriced));

    [Theory]
    [InlineData(null, "new")]
    [InlineData(0.0, "±0 %")]
    [InlineData(0.25, "+25 %")]
    [InlineData(-0.125, "−12.5 %")]
    public void Change_SignsAndPercent(double? ratio, string expected) => Assert.Equal(expected, Format.Change(ratio));

    [Theory]
    [InlineData(-5, "now")]
    [InlineData(42, "42 s")]
    [InlineData(125, "2 m 05 s")]
    [InlineData(7500, "2 h 05 m")]
    [InlineData(363_600, "4 d 5 h")]
    public void Countdown_TwoUnitsAtMost(int seconds, string expected) => Assert.Equal(expected, Format.Countdown(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(null, "—")]
    [InlineData(312.4, "312 ms")]
    [InlineData(1540.0, "1.54 s")]
    public void Duration_MillisecondsThenSeconds(double? ms, string expected) => Assert.Equal(expected, Format.Duration(ms));
}

public sealed class RequestFilterTests
{
    private static readonly Core.Usage.UsageRecord Call = new()
    {
        Id = Guid.NewGuid(),
        Time = DateTimeOffset.UnixEpoch,
        Source = "gateway",
        Service = "openai",
        Endpoint = "/v1/responses",
        Status = 200,
        Model = "gpt-5.1-codex",
        Account = "work",
        Outcome = Core.Usage.CallOutcome.Success,
    };

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("codex", null, true)]
    [InlineData("CODEX work", null, true)] // every word, any field, case ignored
    [InlineData("codex personal", null, false)]
    [InlineData("/v1/responses", false, true)]
    [InlineData("200", null, true)]
    [InlineData(null, true, false)]
    public void Matches_WordsAndStatus(string? text, bool? failed, bool expected) =>
        Assert.Equal(expected, new Tollgate.Dashboard.Components.RequestFilter(text, failed).Matches(Call));

    [Fact]
    public void Matches_FailedCall_OnlyWhenErrorsAreAsked()
    {
        var failedCall = Call with { Status = 429, Outcome = Core.Usage.CallOutcome.UpstreamError };

        Assert.True(new Tollgate.Dashboard.Components.RequestFilter(null, true).Matches(failedCall));
        Assert.False(new Tollgate.Dashboard.Components.RequestFilter(null, false).Matches(failedCall));
    }
}

public sealed class PriceDraftTests
{
    [Fact]
    public void ToPrice_CachedInputDefaultsToInput()
    {
        var (price, error) = new Tollgate.Dashboard.Components.PriceDraft { Model = "m", Input = 2, Output = 8 }.ToPrice();

        Assert.Null(error);
        Assert.Equal(new Core.Pricing.ModelPrice(2, 2, 8, null), price);
    }

    [Theory]
    [InlineData("", 1.0, 2.0, "Name the model")]
    [InlineData("m", null, 2.0, "Input and output prices are required")]
    [InlineData("m", 1.0, null, "Input and output prices are required")]
    public void ToPrice_Incomplete_SaysWhat(string model, double? input, double? output, string expected)
    {
        var draft = new Tollgate.Dashboard.Components.PriceDraft { Model = model, Input = (decimal?)input, Output = (decimal?)output };

        var (price, error) = draft.ToPrice();

        Assert.Null(price);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}

public sealed class AccountDraftTests
{
    [Fact]
    public void ToAccount_StoresTheKeyInTheVaultAndGuessesTheProvider()
    {
        var draft = new Tollgate.Dashboard.Components.AccountDraft { Name = " team ", BaseUrl = "https://api.anthropic.com", Key = "sk-ant-x", Models = "claude-*, ", MonthlyUsd = 50 };

        var (account, error) = draft.ToAccount(Guid.NewGuid());

        Assert.Null(error);
        Assert.Equal("team", account!.Name);
        Assert.Equal(Core.Accounts.CredentialKind.Vault, account.Credential);
        Assert.Equal(Core.Accounts.ProviderKinds.Guess(new Uri("https://api.anthropic.com")), account.Provider);
        Assert.Equal(["claude-*"], account.Models);
        Assert.Equal(50m, account.Limits.MonthlyUsd);
    }

    [Theory]
    [InlineData("", "https://api.openai.com/v1", "k", "Give the account a name")]
    [InlineData("a", "ftp://x", "k", "The base URL must be")]
    [InlineData("a", "https://api.openai.com/v1", " ", "Paste the API key")]
    public void ToAccount_Incomplete_SaysWhat(string name, string url, string key, string expected)
    {
        var (account, error) = new Tollgate.Dashboard.Components.AccountDraft { Name = name, BaseUrl = url, Key = key }.ToAccount(Guid.NewGuid());

        Assert.Null(account);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}

public sealed class LimitsPageTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Resets_CountsDownOrSaysHowLongAgo()
    {
        var window = new Core.Usage.Reports.LimitWindowRow(Core.RateLimits.WindowKind.FiveHour, "primary", 40, 300, Now.AddMinutes(125), false, 12);

        Assert.Equal("resets in 2 h 05 m", Tollgate.Dashboard.Pages.Limits.Resets(window, Now));
        Assert.Equal("reset 1 h 00 m ago", Tollgate.Dashboard.Pages.Limits.Resets(window with { ResetsAt = Now.AddHours(-1), Reset = true }, Now));
        Assert.Equal("reset time unknown", Tollgate.Dashboard.Pages.Limits.Resets(window with { ResetsAt = null }, Now));
    }

    [Fact]
    public void WindowName_ByKindNeverBySlot()
    {
        var window = new Core.Usage.Reports.LimitWindowRow(Core.RateLimits.WindowKind.Weekly, "primary", 40, 10080, null, false, 0);

        Assert.Equal("Weekly window", Tollgate.Dashboard.Pages.Limits.WindowName(window));
        Assert.Equal("5-hour window", Tollgate.Dashboard.Pages.Limits.WindowName(window with { Kind = Core.RateLimits.WindowKind.FiveHour }));
        Assert.Equal("secondary (1 d 0 h)", Tollgate.Dashboard.Pages.Limits.WindowName(window with { Kind = Core.RateLimits.WindowKind.Other, Slot = "secondary", WindowMinutes = 1440 }));
    }
}
