using Tollgate.Core.RateLimits;

namespace Tollgate.Core.Usage;

/// <summary>What a usage tap learned about one call. Filled incrementally while the response streams.</summary>
public sealed class CallUsage
{
    public TokenUsage? Usage { get; set; }

    /// <summary>True once the terminal usage-bearing event (or the whole JSON body) was seen.</summary>
    public bool Final { get; set; }
    public string? Model { get; set; }
    public string? ResponseId { get; set; }
    public string? ServiceTier { get; set; }
    public string? ErrorType { get; set; }

    /// <summary>The HTTP status an in-band error carried (WebSocket <c>error</c> frames have one).</summary>
    public int? ErrorStatus { get; set; }

    /// <summary>True when the body could not be parsed where usage was expected.</summary>
    public bool Malformed { get; set; }
    public RateLimitSnapshot? RateLimits { get; set; }

    /// <summary>Usage state for the record: reported, partial (some usage, no final event) or unknown.</summary>
    public UsageState State => Usage is null ? UsageState.Unknown : Final ? UsageState.Reported : UsageState.Partial;
}
