using System.Globalization;

namespace Tollgate.Core.Usage.Queries;

/// <summary>
/// A named or explicit time range in one time zone, as the API, the dashboard and the TUI take
/// it: [<see cref="From"/>, <see cref="Until"/>) (null = open), the period it is compared with,
/// and the time series bucket that suits its length.
/// </summary>
public sealed record UsageRange(string Name, DateTimeOffset? From, DateTimeOffset? Until, TimeZoneInfo Zone, DateTimeOffset Now)
{
    /// <summary>The named ranges, in the order a picker shows them.</summary>
    public static readonly IReadOnlyList<string> Names = ["today", "yesterday", "last7days", "last30days", "thismonth", "lastmonth", "last12months", "alltime"];

    /// <summary>The range before this one that a change is measured against: the same stretch of time, up to now for a range still running; none for all time.</summary>
    public (DateTimeOffset From, DateTimeOffset Until)? Previous { get; init; }

    /// <summary>The bucket a time series of this range uses when none is asked for.</summary>
    public SeriesBucket DefaultBucket => Name switch
    {
        "today" or "yesterday" => SeriesBucket.Hour,
        "last12months" or "alltime" => SeriesBucket.Month,
        _ when From is { } f && Until is { } u && u - f <= TimeSpan.FromDays(2) => SeriesBucket.Hour,
        _ when From is { } f && Until is { } u && u - f > TimeSpan.FromDays(92) => SeriesBucket.Month,
        _ => SeriesBucket.Day,
    };

    /// <summary>
    /// Reads <c>range</c>, or <c>start</c> (and optionally <c>end</c>) as RFC 3339 instants, in the
    /// zone <c>tz</c> (IANA id; default the machine's). Errors name the parameter.
    /// </summary>
    public static UsageRange Parse(string? range, string? start, string? end, string? tz, DateTimeOffset now, string defaultRange = "last7days")
    {
        var zone = TimeZoneInfo.Local;
        if (!string.IsNullOrEmpty(tz) && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out zone!))
        {
            throw new QueryParameterException("tz", $"'{tz}' is not a time zone this machine knows (use an IANA id such as Europe/Berlin)");
        }

        if (start is not null || end is not null)
        {
            if (range is not null)
            {
                throw new QueryParameterException("range", "give either range or start/end, not both");
            }

            var from = Instant("start", start ?? throw new QueryParameterException("start", "start is required with end"));
            var until = end is null ? now : Instant("end", end);
            if (until <= from)
            {
                throw new QueryParameterException("end", "end must be after start");
            }

            return new UsageRange("custom", from, until, zone, now) { Previous = (from - (until - from), from) };
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var month = new DateOnly(today.Year, today.Month, 1);
        var name = range ?? defaultRange;
        return name switch
        {
            "today" => Days(name, today, today.AddDays(1)),
            "yesterday" => Days(name, today.AddDays(-1), today),
            "last7days" => Days(name, today.AddDays(-6), today.AddDays(1)),
            "last30days" => Days(name, today.AddDays(-29), today.AddDays(1)),
            "thismonth" => Months(name, month, 1),
            "lastmonth" => Months(name, month.AddMonths(-1), 1),
            "last12months" => Months(name, month.AddMonths(-11), 12),
            "alltime" => new UsageRange(name, null, null, zone, now),
            _ => throw new QueryParameterException("range", $"'{name}' is not a range; use one of {string.Join(", ", Names)}, or start and end"),
        };

        UsageRange Days(string n, DateOnly first, DateOnly end) => Calendar(n, first, end, first.AddDays(first.DayNumber - end.DayNumber));

        UsageRange Months(string n, DateOnly first, int count) => Calendar(n, first, first.AddMonths(count), first.AddMonths(-count));

        // A range still running is compared with the same stretch of the one before it.
        UsageRange Calendar(string n, DateOnly first, DateOnly end, DateOnly previousFirst)
        {
            var from = Midnight(first, zone);
            var until = Midnight(end, zone);
            var previousFrom = Midnight(previousFirst, zone);
            return new UsageRange(n, from, until, zone, now) { Previous = (previousFrom, previousFrom + ((now < until ? now : until) - from)) };
        }
    }
    /// <summary>The instant a local calendar day starts in a zone (the first valid local time after a gap).</summary>
    public static DateTimeOffset Midnight(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static DateTimeOffset Instant(string parameter, string value) =>
        DateTimeOffset.TryParseExact(value, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw new QueryParameterException(parameter, $"'{value}' is not an RFC 3339 time (e.g. 2026-11-23T08:00:00Z)");
}

/// <summary>How wide each point of a time series is.</summary>
public enum SeriesBucket
{
    Hour,
    Day,
    Week,
    Month,
}

/// <summary>A query parameter that cannot be used; <see cref="Parameter"/> names it.</summary>
public sealed class QueryParameterException(string parameter, string message) : Exception(message)
{
    public string Parameter { get; } = parameter;
}
