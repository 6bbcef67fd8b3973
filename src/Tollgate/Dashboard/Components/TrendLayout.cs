using System.Globalization;
using System.Net;

namespace Tollgate.Dashboard.Components;

/// <summary>One bucket of the trend chart: its label, total tokens and cost.</summary>
public sealed record TrendPoint(string Label, long Tokens, decimal Cost);

/// <summary>
/// Where the marks of a <see cref="TrendChart"/> go: bars scaled to the largest token count,
/// the cost line to the largest cost, both from zero, with round tick values and at most
/// about ten axis labels however many buckets there are.
/// </summary>
public sealed record TrendLayout(
    IReadOnlyList<TrendLayout.Bar> Bars,
    string CostLine,
    IReadOnlyList<TrendLayout.Tick> TokenTicks,
    IReadOnlyList<TrendLayout.Tick> CostTicks,
    IReadOnlyList<TrendLayout.AxisLabel> Labels)
{
    public const double Left = 48, Right = 52, Top = 10, Bottom = 24;

    public sealed record Bar(double X, double Y, double Width, double Height, string Label, long Tokens, decimal Cost);
    public sealed record Tick(double Value, double Y);
    public sealed record AxisLabel(double X, string Text);

    public static TrendLayout Of(IReadOnlyList<TrendPoint> points, double width, double height)
    {
        var plotWidth = width - Left - Right;
        var plotHeight = height - Top - Bottom;
        var tokenMax = NiceMax(points.Count == 0 ? 0 : points.Max(p => p.Tokens));
        var costMax = NiceMax(points.Count == 0 ? 0 : (double)points.Max(p => p.Cost));
        var slot = points.Count == 0 ? 0 : plotWidth / points.Count;
        var gap = Math.Min(slot * 0.2, 6);
        double YOf(double value, double max) => Top + plotHeight - (value / max * plotHeight);

        var bars = new List<Bar>(points.Count);
        var line = new List<string>(points.Count);
        var labels = new List<AxisLabel>();
        var every = Math.Max(1, (int)Math.Ceiling(points.Count / 10.0));
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var x = Left + (i * slot);
            var y = YOf(p.Tokens, tokenMax);
            bars.Add(new Bar(x + (gap / 2), y, Math.Max(slot - gap, 1), Top + plotHeight - y, p.Label, p.Tokens, p.Cost));
            var center = x + (slot / 2);
            line.Add(string.Create(CultureInfo.InvariantCulture, $"{center:0.##},{YOf((double)p.Cost, costMax):0.##}"));
            if (i % every == 0)
            {
                labels.Add(new AxisLabel(center, p.Label));
            }
        }

        return new TrendLayout(bars, string.Join(' ', line), Ticks(tokenMax, v => YOf(v, tokenMax)), Ticks(costMax, v => YOf(v, costMax)), labels);
    }

    /// <summary>
    /// The axes' labels as SVG markup (Razor reserves the &lt;text&gt; tag for itself): tokens on
    /// the left, cost on the right, bucket names below.
    /// </summary>
    public string AxisText(double height)
    {
        var svg = new System.Text.StringBuilder();
        void Text(double x, double y, string anchor, string css, string content) =>
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"{anchor}\" class=\"{css}\">{WebUtility.HtmlEncode(content)}</text>");
        foreach (var tick in TokenTicks)
        {
            Text(Left - 6, tick.Y + 4, "end", "tg-axis", Dashboard.Format.Compact(tick.Value, exact: true));
        }

        var right = Bars.Count == 0 ? Left : Bars[^1].X + Bars[^1].Width;
        foreach (var tick in CostTicks)
        {
            Text(right + 8, tick.Y + 4, "start", "tg-axis tg-cost-axis", "$" + Dashboard.Format.Compact(tick.Value, exact: true));
        }

        foreach (var label in Labels)
        {
            Text(label.X, height - 6, "middle", "tg-axis", label.Text);
        }

        return svg.ToString();
    }

    /// <summary>The smallest 1, 2 or 5 × 10ⁿ at or above the value (1 for nothing), so ticks fall on round numbers.</summary>
    public static double NiceMax(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static List<Tick> Ticks(double max, Func<double, double> y) =>
        Enumerable.Range(0, 5).Select(i => new Tick(max * i / 4, y(max * i / 4))).ToList();
}
