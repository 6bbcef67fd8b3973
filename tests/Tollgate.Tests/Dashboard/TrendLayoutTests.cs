using Tollgate.Dashboard.Components;

namespace Tollgate.Tests.Dashboard;

public sealed class TrendLayoutTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(7, 10)]
    [InlineData(130, 200)]
    [InlineData(4_100, 5_000)]
    [InlineData(5_000, 5_000)]
    [InlineData(0.37, 0.5)]
    public void NiceMax_IsTheNextOneTwoOrFive(double value, double expected) => Assert.Equal(expected, TrendLayout.NiceMax(value), 9);

    [Fact]
    public void Of_BarsScaleToTheLargestAndStayInsideThePlot()
    {
        var points = new[] { new TrendPoint("a", 0, 0m), new TrendPoint("b", 50, 1m), new TrendPoint("c", 100, 0.5m) };

        var chart = TrendLayout.Of(points, 400, 200);

        var plotBottom = 200 - TrendLayout.Bottom;
        Assert.Equal(0, chart.Bars[0].Height, 6);
        Assert.Equal(chart.Bars[2].Height / 2, chart.Bars[1].Height, 6); // 50 of a 100 scale
        Assert.All(chart.Bars, b => Assert.Equal(plotBottom, b.Y + b.Height, 6));
        Assert.All(chart.Bars, b => Assert.InRange(b.X, TrendLayout.Left, 400 - TrendLayout.Right));
        Assert.Equal(TrendLayout.Top, chart.Bars[2].Y, 6); // 100 is a round maximum: the bar reaches the top
        Assert.Equal(3, chart.CostLine.Split(' ').Length);
        Assert.Equal([0, 25, 50, 75, 100], chart.TokenTicks.Select(t => t.Value));
    }

    [Fact]
    public void Of_ManyBuckets_LabelsAboutTen()
    {
        var points = Enumerable.Range(0, 365).Select(i => new TrendPoint($"d{i}", i, i)).ToList();

        var chart = TrendLayout.Of(points, 900, 260);

        Assert.InRange(chart.Labels.Count, 8, 10);
        Assert.Equal("d0", chart.Labels[0].Text);
    }

    [Fact]
    public void AxisText_EscapesLabels()
    {
        var chart = TrendLayout.Of([new TrendPoint("<b>", 1, 1m)], 400, 200);

        Assert.Contains("&lt;b&gt;", chart.AxisText(200), StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", chart.AxisText(200), StringComparison.Ordinal);
    }

    [Fact]
    public void AxisText_TicksKeepTwoDecimals()
    {
        var chart = TrendLayout.Of([new TrendPoint("a", 4_100_000, 4.1m)], 400, 200);

        var svg = chart.AxisText(200);

        Assert.Contains(">1.25M<", svg, StringComparison.Ordinal); // a quarter of 5M, not "1.3M"
        Assert.Contains(">$1.25<", svg, StringComparison.Ordinal);
    }
}
