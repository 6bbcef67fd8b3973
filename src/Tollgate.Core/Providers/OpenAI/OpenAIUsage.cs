using System.Text.Json;
using Tollgate.Core.Json;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Providers.OpenAI;

/// <summary>
/// Reads an OpenAI <c>usage</c> object of any of its APIs: Responses (<c>input_tokens</c>,
/// <c>input_tokens_details</c>, <c>output_tokens_details</c>), Chat/legacy Completions
/// (<c>prompt_tokens</c>, <c>completion_tokens</c>, <c>*_details</c>) and Embeddings
/// (<c>prompt_tokens</c>, <c>total_tokens</c>). OpenAI's semantics are already ours: input
/// includes cached tokens and output includes reasoning, so nothing is added twice.
/// </summary>
public static class OpenAIUsage
{
    public static TokenUsage? Read(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var input = usage.GetLong("input_tokens") ?? usage.GetLong("prompt_tokens");
        var output = usage.GetLong("output_tokens") ?? usage.GetLong("completion_tokens");
        if (input is null && output is null)
        {
            return null;
        }

        var inDetails = usage.GetObject("input_tokens_details") ?? usage.GetObject("prompt_tokens_details");
        var outDetails = usage.GetObject("output_tokens_details") ?? usage.GetObject("completion_tokens_details");
        var cached = inDetails?.GetLong("cached_tokens") ?? 0;
        var cacheWrite = inDetails?.GetLong("cache_write_tokens") ?? inDetails?.GetLong("cache_creation_tokens") ?? 0;
        var reasoning = outDetails?.GetLong("reasoning_tokens") ?? 0;
        return new TokenUsage(input ?? 0, cached, cacheWrite, output ?? 0, reasoning);
    }

    /// <summary>Reads an OpenAI-style error body's type (or code): <c>{"error":{"type","code"}}</c>.</summary>
    public static string? ReadErrorType(JsonElement error) =>
        error.ValueKind switch
        {
            JsonValueKind.Object => error.GetString("code") ?? error.GetString("type") ?? error.GetString("message"),
            JsonValueKind.String => error.GetString(),
            _ => null,
        };
}
