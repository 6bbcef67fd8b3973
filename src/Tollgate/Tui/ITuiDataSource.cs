using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Queries;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Tui;

/// <summary>
/// Everything the terminal UI reads, whether the gateway runs in this process
/// (<see cref="GatewayDataSource"/>) or elsewhere and is asked through its JSON API
/// (<see cref="ApiDataSource"/>). Called off the UI loop only.
/// </summary>
internal interface ITuiDataSource
{
    /// <summary>Where the data comes from, for the title bar.</summary>
    string Description { get; }

    /// <summary>The figures of every stored call in [<paramref name="from"/>, <paramref name="until"/>).</summary>
    Task<UsageFigures> TotalsAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>The most recent calls, newest first.</summary>
    Task<IReadOnlyList<RequestRow>> RecentAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Each call as it is stored, until cancelled (or the source goes away: then it ends).</summary>
    IAsyncEnumerable<RequestRow> WatchAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<AccountRow>> AccountsAsync(CancellationToken cancellationToken);

    /// <summary>The usage windows and the Codex sessions active lately.</summary>
    Task<LimitsReport> LimitsAsync(CancellationToken cancellationToken);
}

/// <summary>One finished call as the Usage screen lists it.</summary>
internal sealed record RequestRow(
    Guid Id,
    DateTimeOffset Time,
    string? Model,
    string? Account,
    int Status,
    CallOutcome Outcome,
    double LatencyMs,
    TokenUsage? Usage,
    decimal? CostUsd)
{
    public static RequestRow From(UsageRecord r) =>
        new(r.Id, r.Time, r.Model, r.Account, r.Status, r.Outcome, r.LatencyMs, r.Usage, r.CostUsd);
}

/// <summary>One account with its live health and its usage against its limits; never a key, only its fingerprint.</summary>
internal sealed record AccountRow(
    Guid Id,
    string Name,
    string Provider,
    string BaseUrl,
    string Pool,
    bool Enabled,
    string? KeyFingerprint,
    AccountHealthView Health,
    AccountUsageView Usage,
    Core.Accounts.AccountLimits Limits);

/// <summary>Health as <c>/api/accounts</c> names it: <c>ok</c>, <c>cooldown</c>, <c>breaker-open</c>, <c>needs-attention</c>, <c>exhausted</c>, <c>disabled</c>.</summary>
internal sealed record AccountHealthView(string State, DateTimeOffset? Until, string? Reason);

internal sealed record AccountUsageView(long TokensToday, long TokensThisMonth, decimal CostUsdToday, decimal CostUsdThisMonth);
