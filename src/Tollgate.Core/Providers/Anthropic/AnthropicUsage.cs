using System.Text.Json;
using Tollgate.Core.Json;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Providers.Anthropic;

/// <summary>
/// Accumulates Anthropic Messages usage. Anthropic's <c>input_tokens</c> excludes cache reads
/// and cache writes (the three add up), and <c>message_delta</c> repeats <c>output_tokens</c>
/// cumulatively and may correct the input side; so each field seen overwrites the last, and
/// <see cref="ToTokenUsage"/> folds them into our input-includes-cache semantics once.
/// </summary>
public sealed class AnthropicUsage
{
    private long? _input;
    private long? _cacheRead;
    private long? _cacheWrite;
    private long? _cacheWrite1h;
    private long? _output;

    public bool HasAny => _input is not null || _output is not null || _cacheRead is not null || _cacheWrite is not null;

    public void Apply(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        _input = usage.GetLong("input_tokens") ?? _input;
        _cacheRead = usage.GetLong("cache_read_input_tokens") ?? _cacheRead;
        _cacheWrite = usage.GetLong("cache_creation_input_tokens") ?? _cacheWrite;
        _output = usage.GetLong("output_tokens") ?? _output;
        if (usage.GetObject("cache_creation") is { } split)
        {
            _cacheWrite1h = split.GetLong("ephemeral_1h_input_tokens") ?? _cacheWrite1h;
            if (_cacheWrite is null)
            {
                var fiveMinutes = split.GetLong("ephemeral_5m_input_tokens");
                if (fiveMinutes is not null || _cacheWrite1h is not null)
                {
                    _cacheWrite = (fiveMinutes ?? 0) + (_cacheWrite1h ?? 0);
                }
            }
        }
    }

    public TokenUsage? ToTokenUsage()
    {
        if (!HasAny)
        {
            return null;
        }

        var read = _cacheRead ?? 0;
        var write = _cacheWrite ?? 0;
        return new TokenUsage(
            InputTokens: (_input ?? 0) + read + write,
            CachedInputTokens: read,
            CacheWriteTokens: write,
            OutputTokens: _output ?? 0,
            ReasoningTokens: 0,
            CacheWrite1hTokens: Math.Min(_cacheWrite1h ?? 0, write));
    }

    /// <summary>Reads Anthropic's error body: <c>{"type":"error","error":{"type":...}}</c>.</summary>
    public static string? ReadErrorType(JsonElement root) =>
        root.GetObject("error") is { } e ? e.GetString("type") ?? e.GetString("message") : root.GetString("error");
}
