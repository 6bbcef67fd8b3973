namespace Tollgate.Core.Usage;

/// <summary>
/// Token counts of one model call, normalised to OpenAI's semantics: <see cref="InputTokens"/>
/// includes cached reads and cache writes, <see cref="OutputTokens"/> includes reasoning.
/// Anthropic's additive fields are folded in once, by <c>AnthropicUsage</c>, so totals compare
/// across APIs.
/// </summary>
public readonly record struct TokenUsage(
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long OutputTokens,
    long ReasoningTokens,
    long CacheWrite1hTokens = 0)
{
    /// <summary>Input + output: every token the call was billed for, each counted once.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>Input that was neither read from nor written to a cache (billed at the input rate).</summary>
    public long UncachedInputTokens => Math.Max(0, InputTokens - CachedInputTokens - CacheWriteTokens);

    public static TokenUsage operator +(TokenUsage a, TokenUsage b) => new(
        a.InputTokens + b.InputTokens,
        a.CachedInputTokens + b.CachedInputTokens,
        a.CacheWriteTokens + b.CacheWriteTokens,
        a.OutputTokens + b.OutputTokens,
        a.ReasoningTokens + b.ReasoningTokens,
        a.CacheWrite1hTokens + b.CacheWrite1hTokens);
}
