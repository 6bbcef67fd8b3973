using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>
/// Where usage records live. Kept narrow so a second backend (PostgreSQL for a team of
/// gateways) is an addition, not a rewrite.
/// </summary>
public interface IUsageStore
{
    /// <summary>Creates or upgrades the schema. Safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Appends a batch in one transaction, together with its summary rows and rate-limit snapshots.</summary>
    Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken);

    /// <summary>Records in a time range (inclusive start, exclusive end), oldest first.</summary>
    IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken);

    /// <summary>Totals per local day and model in a time zone, between two instants (null = open), from the summaries.</summary>
    Task<IReadOnlyList<DaySummary>> ReadDaysAsync(DateTimeOffset? from, DateTimeOffset? until, string? source, TimeZoneInfo zone, CancellationToken cancellationToken);

    /// <summary>Totals per model of a zone's days, weeks or months over a range (null = open), each row dated on its period's first day; exact at any boundary.</summary>
    Task<IReadOnlyList<DaySummary>> ReadLocalPeriodsAsync(
        TimeZoneInfo zone, DateTimeOffset? from, DateTimeOffset? until, string? source,
        Func<DateOnly, DateOnly> start, Func<DateOnly, DateOnly> next, CancellationToken cancellationToken);

    /// <summary>Totals per source, model, account and reasoning effort over [from, until) (null = open), exact at any boundary.</summary>
    Task<IReadOnlyList<RollupRow>> ReadRollupAsync(DateTimeOffset? from, DateTimeOffset? until, string? source, CancellationToken cancellationToken);

    /// <summary>The start of the UTC hour holding the oldest counted record and the end of the one holding the newest; null when there is none.</summary>
    Task<(DateTimeOffset First, DateTimeOffset Last)?> ReadRecordHoursAsync(string? source, CancellationToken cancellationToken);

    /// <summary>Each session whose last activity is in the range, with its sums per model over the sources asked for.</summary>
    Task<IReadOnlyList<SessionUsage>> ReadSessionsAsync(DateTimeOffset? from, DateTimeOffset? until, string? source, CancellationToken cancellationToken);
}

/// <summary>A time range and source filter; null bounds are open. Records counted elsewhere (<see cref="UsageRecord.DuplicateOf"/>) are left out unless asked for.</summary>
public sealed record UsageQuery(DateTimeOffset? From = null, DateTimeOffset? Until = null, string? Source = null, bool IncludeDuplicates = false);
