using System.Globalization;

namespace Tollgate.Dashboard;

/// <summary>How the dashboard writes numbers: exact token counts, dollars, changes, durations.</summary>
internal static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Every digit, grouped: 12,345,678.</summary>
    public static string Tokens(long value) => value.ToString("N0", Invariant);

    /// <summary>A count and its noun, plural when it is not one: "1 call", "1,204 calls".</summary>
    public static string Count(long value, string noun) => Tokens(value) + " " + noun + (value == 1 ? "" : "s");

    /// <summary>Short for axes and chips: 950, 12.3K, 4.5M, 1.2B.</summary>
    /// <param name="exact">Keep two decimals (axis ticks such as 1.25M must not read as 1.3M).</param>
    public static string Compact(double value, bool exact = false)
    {
        var digits = exact ? "0.##" : "0.#";
        return Math.Abs(value) switch
        {
            >= 1e9 => (value / 1e9).ToString(digits, Invariant) + "B",
            >= 1e6 => (value / 1e6).ToString(digits, Invariant) + "M",
            >= 1e3 => (value / 1e3).ToString(digits, Invariant) + "K",
            _ => value.ToString("0.##", Invariant),
        };
    }

    /// <summary>Dollars with cents; amounts under a cent keep four decimals so they do not read as $0.00.</summary>
    public static string Usd(decimal value) => value != 0 && Math.Abs(value) < 0.01m
        ? "$" + value.ToString("0.0000", Invariant)
        : "$" + value.ToString("N2", Invariant);

    /// <summary>A cost that may be partial: "unpriced" when nothing was priced, "$x+" when some calls were not.</summary>
    public static string Cost(decimal value, long unpriced) =>
        unpriced > 0 && value == 0 ? "unpriced" : Usd(value) + (unpriced > 0 ? "+" : "");

    /// <summary>A relative change (0.25 = +25 %); null means the previous period had nothing to compare with.</summary>
    public static string Change(double? ratio) => ratio switch
    {
        null => "new",
        0 => "±0 %",
        > 0 => "+" + (ratio.Value * 100).ToString("0.#", Invariant) + " %",
        _ => "−" + (-ratio.Value * 100).ToString("0.#", Invariant) + " %",
    };

    /// <summary>A share of a whole (0–1) as a percentage.</summary>
    public static string Percent(double share) => (share * 100).ToString(share is > 0 and < 0.1 ? "0.#" : "0", Invariant) + " %";

    /// <summary>Milliseconds under a second, seconds above.</summary>
    public static string Duration(double? milliseconds) => milliseconds switch
    {
        null => "—",
        < 1000 => milliseconds.Value.ToString("0", Invariant) + " ms",
        _ => (milliseconds.Value / 1000).ToString("0.0#", Invariant) + " s",
    };

    /// <summary>Time left until a reset, two units at most: "4 d 3 h", "2 h 05 m", "58 s".</summary>
    public static string Countdown(TimeSpan left)
    {
        if (left <= TimeSpan.Zero)
        {
            return "now";
        }

        return left switch
        {
            { TotalDays: >= 1 } => $"{(int)left.TotalDays} d {left.Hours} h",
            { TotalHours: >= 1 } => $"{(int)left.TotalHours} h {left.Minutes:00} m",
            { TotalMinutes: >= 1 } => $"{(int)left.TotalMinutes} m {left.Seconds:00} s",
            _ => $"{left.Seconds} s",
        };
    }

    /// <summary>A local time of day, with the date when it is not today.</summary>
    public static string When(DateTimeOffset time, DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        return local.Date == today ? local.ToString("HH:mm:ss", Invariant) : local.ToString("yyyy-MM-dd HH:mm", Invariant);
    }
}
