using System.Globalization;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary>How usage windows and spans of time read, the same in <c>tollgate limits</c> and the terminal UI.</summary>
internal static class LimitsText
{
    public static string KindName(WindowKind kind, int? minutes) => kind switch
    {
        WindowKind.FiveHour => "5-hour",
        WindowKind.Weekly => "weekly",
        _ => minutes is { } m ? $"{m} min" : "unknown",
    };

    public static string Resets(LimitWindowRow w, DateTimeOffset now)
    {
        if (w.ResetsAt is not { } at)
        {
            return "unknown";
        }

        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.Local).ToString("ddd HH:mm", CultureInfo.InvariantCulture);
        return w.Reset ? $"reset {Ago(now - at)} ({local})" : $"in {Span(at - now)} ({local})";
    }

    public static string Ago(TimeSpan span) => Span(span) + " ago";

    public static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => "<1m",
        { TotalHours: < 1 } => $"{(int)span.TotalMinutes}m",
        { TotalDays: < 1 } => $"{(int)span.TotalHours}h {span.Minutes}m",
        _ => $"{(int)span.TotalDays}d {span.Hours}h",
    };
}
