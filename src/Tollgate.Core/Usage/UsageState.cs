namespace Tollgate.Core.Usage;

/// <summary>How much of a call's usage is known.</summary>
public enum UsageState
{
    /// <summary>The upstream reported the final usage.</summary>
    Reported,

    /// <summary>The call ended early (cancelled or cut); the usage seen so far is kept.</summary>
    Partial,

    /// <summary>No usage was seen. Never read as zero.</summary>
    Unknown,

    /// <summary>The endpoint is not billed per token (model lists, token counting).</summary>
    NotBillable,
}
