namespace Tollgate.Tests.Dashboard;

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
