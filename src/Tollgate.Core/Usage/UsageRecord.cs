using Tollgate.Core.RateLimits;

namespace Tollgate.Core.Usage;

/// <summary>
/// One metered call: what went where, how it ended, and its raw token counts. Cost is derived
/// from the price table and can be recomputed; the counts are the facts.
/// </summary>
public sealed record UsageRecord
{
    public required Guid Id { get; init; }
    public required DateTimeOffset Time { get; init; }

    /// <summary><c>gateway</c> or <c>codex-log</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The upstream family: <c>openai</c>, <c>chatgpt</c> or <c>anthropic</c>.</summary>
    public required string Service { get; init; }

    /// <summary>The client's request path without query, e.g. <c>/v1/responses</c>.</summary>
    public required string Endpoint { get; init; }
    public string Method { get; init; } = "POST";
    public int Status { get; init; }
    public string? Model { get; init; }
    public bool Stream { get; init; }

    /// <summary><c>http</c> or <c>websocket</c>.</summary>
    public string Transport { get; init; } = "http";
    public double LatencyMs { get; init; }
    public double? TimeToFirstByteMs { get; init; }
    public UsageState UsageState { get; init; }

    /// <summary>Null when <see cref="UsageState"/> is Unknown or NotBillable.</summary>
    public TokenUsage? Usage { get; init; }
    public bool UsageEstimated { get; init; }

    /// <summary>Null when the model is unpriced or the usage unknown.</summary>
    public decimal? CostUsd { get; init; }
    public string? SessionId { get; init; }
    public string? ServiceTier { get; init; }
    public string? ReasoningEffort { get; init; }
    public CallOutcome Outcome { get; init; }

    /// <summary>The upstream's error type or code when it sent one (e.g. <c>rate_limit_exceeded</c>).</summary>
    public string? ErrorType { get; init; }
    public string? ResponseId { get; init; }
    /// <summary>The account that served it (gateway with accounts); null in pass-through mode.</summary>
    public string? Account { get; init; }

    /// <summary>Which attempt of its request this was (1 = first); the final record's is the number of attempts taken. Null in pass-through mode.</summary>
    public int? Attempt { get; init; }

    /// <summary>For <c>codex-log</c> records: the rollout file they were counted from (replaced together when it is rewritten).</summary>
    public string? SourceFile { get; init; }

    /// <summary>
    /// Set on a <c>codex-log</c> record whose call the gateway also metered (same session, same
    /// token counts, close in time): the gateway's record counts, this one is kept but left out
    /// of every total.
    /// </summary>
    public Guid? DuplicateOf { get; init; }

    /// <summary>Rate-limit state seen on this call's headers or stream, if any.</summary>
    public RateLimitSnapshot? RateLimits { get; init; }
}
