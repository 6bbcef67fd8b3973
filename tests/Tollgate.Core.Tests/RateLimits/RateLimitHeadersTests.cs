using Tollgate.Core.RateLimits;

namespace Tollgate.Core.Tests.RateLimits;

public sealed class RateLimitHeadersTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("6m0s", 360_000)]
    [InlineData("12ms", 12)]
    [InlineData("1h2m3.5s", 3_723_500)]
    [InlineData("20", 20_000)]
    [InlineData("0.5s", 500)]
    public void ParseDuration_OpenAIFormats(string text, double ms)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ms), RateLimitHeaders.ParseDuration(text));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("5x")]
    [InlineData("")]
    public void ParseDuration_Garbage_Null(string text) => Assert.Null(RateLimitHeaders.ParseDuration(text));

    [Fact]
    public void Read_CodexAndApiHeaders_AllCaptured()
    {
        var snapshot = RateLimitHeaders.Read(
        [
            new("X-Codex-Primary-Used-Percent", "12.5"),
            new("x-codex-primary-window-minutes", "299"),
            new("x-codex-primary-reset-after-seconds", "600"),
            new("x-codex-secondary-used-percent", "40"),
            new("x-codex-secondary-window-minutes", "10079"),
            new("x-codex-secondary-reset-at", "1795900000"),
            new("x-codex-credits-unlimited", "True"),
            new("x-other-primary-used-percent", "3"),
            new("x-other-limit-name", "Other product"),
            new("x-ratelimit-remaining-tokens", "149000"),
            new("x-ratelimit-reset-tokens", "6m0s"),
            new("retry-after-ms", "250"),
            new("content-type", "text/event-stream"),
        ], Now)!;

        var primary = snapshot.Windows.Single(w => w.Family == "codex" && w.Slot == "primary");
        Assert.Equal(WindowKind.FiveHour, primary.Kind);
        Assert.Equal(Now.AddSeconds(600), primary.ResetsAt);
        Assert.Equal(WindowKind.Weekly, snapshot.Windows.Single(w => w.Family == "codex" && w.Slot == "secondary").Kind);
        Assert.Equal("Other product", snapshot.Windows.Single(w => w.Family == "other").LimitName);
        Assert.True(snapshot.Credits?.Unlimited);
        Assert.Equal(149000, snapshot.Api?.RemainingTokens);
        Assert.Equal(TimeSpan.FromMinutes(6), snapshot.Api?.ResetTokens);
        Assert.Equal(TimeSpan.FromMilliseconds(250), snapshot.Api?.RetryAfter);
    }

    [Fact]
    public void Read_NoRelevantHeaders_Null()
    {
        Assert.Null(RateLimitHeaders.Read([new("content-type", "application/json"), new("x-request-id", "abc")], Now));
    }
}
