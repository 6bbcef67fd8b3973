namespace Tollgate.Core.RateLimits;

/// <summary>Rate-limit and quota state as one upstream answer described it.</summary>
public sealed record RateLimitSnapshot
{
    public required DateTimeOffset Time { get; init; }
    public string? PlanType { get; init; }
    public IReadOnlyList<RateLimitWindow> Windows { get; init; } = [];
    public CreditsState? Credits { get; init; }

    /// <summary>
    /// For the gateway's snapshots: the ChatGPT account the limits belong to, as the last four
    /// characters of its <c>ChatGPT-Account-Id</c> ("…c3d4"); null for API keys and Codex logs.
    /// </summary>
    public string? Account { get; init; }

    /// <summary>API-key style counters (<c>x-ratelimit-*</c>, <c>retry-after</c>).</summary>
    public ApiRateLimits? Api { get; init; }

    public bool IsEmpty => Windows.Count == 0 && Credits is null && Api is null && PlanType is null;
}

/// <summary>One usage window (e.g. Codex's 5-hour or weekly window).</summary>
/// <param name="Family">Header family: <c>codex</c> for <c>x-codex-*</c>, or another product's name.</param>
/// <param name="Slot"><c>primary</c> or <c>secondary</c>: a position, not a meaning.</param>
public sealed record RateLimitWindow(
    string Family,
    string Slot,
    double? UsedPercent,
    int? WindowMinutes,
    DateTimeOffset? ResetsAt,
    string? LimitName = null)
{
    /// <summary>
    /// What the window is, judged by its length and never by its slot: weekly-only plans put
    /// the weekly window in <c>primary</c>, and older logs say 299/10079 minutes.
    /// </summary>
    public WindowKind Kind => WindowMinutes switch
    {
        null => WindowKind.Unknown,
        >= 290 and <= 310 => WindowKind.FiveHour,
        >= 10000 and <= 10100 => WindowKind.Weekly,
        _ => WindowKind.Other,
    };
}

public enum WindowKind
{
    Unknown,
    FiveHour,
    Weekly,
    Other,
}

/// <summary>ChatGPT credits as reported by <c>x-codex-credits-*</c> or the stream.</summary>
public sealed record CreditsState(bool? HasCredits, bool? Unlimited, decimal? Balance);

/// <summary>The <c>x-ratelimit-*</c> family that API-key traffic carries.</summary>
public sealed record ApiRateLimits(
    long? LimitRequests,
    long? RemainingRequests,
    TimeSpan? ResetRequests,
    long? LimitTokens,
    long? RemainingTokens,
    TimeSpan? ResetTokens,
    TimeSpan? RetryAfter);
