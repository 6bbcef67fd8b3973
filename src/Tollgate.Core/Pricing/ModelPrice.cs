namespace Tollgate.Core.Pricing;

/// <summary>
/// Prices of one model in USD per 1M tokens. <see cref="CacheWrite"/> defaults to the input
/// rate when null (OpenAI bills cache writes as input); Anthropic models set 5-minute writes
/// (1.25× input) and 1-hour writes (2× input) explicitly.
/// </summary>
public sealed record ModelPrice(decimal Input, decimal CachedInput, decimal Output, decimal? CacheWrite = null, decimal? CacheWrite1h = null)
{
    /// <summary>Prices that apply to the whole request when its input exceeds a threshold (e.g. 200k).</summary>
    public LongContextPrice? LongContext { get; init; }

    /// <summary>The <c>priority</c> service tier ("fast"), when it is priced differently.</summary>
    public ModelPrice? Priority { get; init; }

    /// <summary>The <c>flex</c> service tier, when it is priced differently.</summary>
    public ModelPrice? Flex { get; init; }
}

/// <summary>A long-context tier: above <paramref name="ThresholdInputTokens"/> input tokens, <paramref name="Price"/> applies to everything.</summary>
public sealed record LongContextPrice(long ThresholdInputTokens, ModelPrice Price);
