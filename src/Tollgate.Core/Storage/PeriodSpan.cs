namespace Tollgate.Core.Storage;

/// <summary>A stretch of local time (a day, week or month in some zone) as the UTC instants it spans, reported under <see cref="Key"/>.</summary>
public readonly record struct PeriodSpan(DateOnly Key, DateTimeOffset From, DateTimeOffset Until)
{
    /// <summary>
    /// The periods of <paramref name="zone"/>'s calendar that overlap [from, until): each begins at
    /// the local midnight of <paramref name="start"/>(its day) and ends where <paramref name="next"/>
    /// of that day begins, cut to the range at its two ends.
    /// </summary>
    public static List<PeriodSpan> Of(
        TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset until, Func<DateOnly, DateOnly> start, Func<DateOnly, DateOnly> next)
    {
        var spans = new List<PeriodSpan>();
        for (var day = start(LocalCalendar.Date(zone, from)); from < until;)
        {
            var following = next(day);
            var end = LocalCalendar.Midnight(zone, following);
            spans.Add(new PeriodSpan(day, from, end < until ? end : until));
            (day, from) = (following, end);
        }

        return spans;
    }
}

/// <summary>Local dates and midnights in a time zone.</summary>
public static class LocalCalendar
{
    /// <summary>The local date of an instant in <paramref name="zone"/>.</summary>
    public static DateOnly Date(TimeZoneInfo zone, DateTimeOffset time) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time, zone).DateTime);

    /// <summary>The instant a local day begins in <paramref name="zone"/> (a midnight skipped by a DST change: the first local time after it).</summary>
    public static DateTimeOffset Midnight(TimeZoneInfo zone, DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
