using System.Globalization;

namespace Tollgate.Tui;

/// <summary>How numbers, money and bars read on the screens: short enough for 80 columns, exact below 100,000.</summary>
internal static class TuiFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>12,345 · 123.4k · 12.35M · 1.23B.</summary>
    public static string Tokens(long n) => Math.Abs(n) switch
    {
        < 100_000 => n.ToString("N0", Invariant),
        < 1_000_000 => (n / 1_000d).ToString("0.0", Invariant) + "k",
        < 1_000_000_000 => (n / 1_000_000d).ToString("0.00", Invariant) + "M",
        _ => (n / 1_000_000_000d).ToString("0.00", Invariant) + "B",
    };

    /// <summary>$0.0123 below a dollar, $12.34 above; "unpriced" when nothing was priced, "$1.20+" when only some was.</summary>
    public static string Cost(decimal usd, long requests, long unpriced)
    {
        if (requests > 0 && unpriced == requests)
        {
            return "unpriced";
        }

        return Usd(usd) + (unpriced > 0 ? "+" : "");
    }

    public static string Usd(decimal usd) => usd < 1 ? usd.ToString("$0.0000", Invariant) : usd.ToString("$#,0.00", Invariant);

    /// <summary>345ms below a second, 1.2s above.</summary>
    public static string Latency(double ms) => ms < 1000 ? ms.ToString("0", Invariant) + "ms" : (ms / 1000).ToString("0.0", Invariant) + "s";

    /// <summary>A bar of <paramref name="width"/> cells, filled by the share (0–1).</summary>
    public static string Bar(double share, int width = 10)
    {
        var filled = (int)Math.Round(Math.Clamp(share, 0, 1) * width);
        return new string('█', filled) + new string('░', width - filled);
    }

    public static string Percent(double share) => (share * 100).ToString("0", Invariant) + " %";

    /// <summary>The text cut to <paramref name="width"/> (with an ellipsis) or padded to it.</summary>
    public static string Fit(string? text, int width)
    {
        text ??= "";
        return text.Length > width ? text[..(width - 1)] + "…" : text.PadRight(width);
    }
}
