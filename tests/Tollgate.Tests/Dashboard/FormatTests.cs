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
