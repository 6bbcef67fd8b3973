namespace Tollgate.Tests.Dashboard;

public sealed class LimitsTextTests
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
