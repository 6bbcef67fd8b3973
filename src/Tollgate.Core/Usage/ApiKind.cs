namespace Tollgate.Core.Usage;

/// <summary>Which wire format a call speaks; decides how its usage is read.</summary>
public enum ApiKind
{
    Responses,
    ChatCompletions,
    Completions,
    Embeddings,
    AnthropicMessages,
    AnthropicCountTokens,
    Other,
}

/// <summary>Maps request paths to <see cref="ApiKind"/>.</summary>
public static class ApiKinds
{
    /// <summary>Classifies a path with or without the <c>/v1</c> prefix.</summary>
    public static ApiKind FromPath(ReadOnlySpan<char> path)
    {
        path = path.TrimEnd('/');
        if (path.EndsWith("/messages/count_tokens", StringComparison.OrdinalIgnoreCase))
        {
            return ApiKind.AnthropicCountTokens;
        }

        if (path.EndsWith("/messages", StringComparison.OrdinalIgnoreCase) && !path.Contains("/threads/", StringComparison.OrdinalIgnoreCase))
        {
            return ApiKind.AnthropicMessages;
        }

        if (path.EndsWith("/responses", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/responses/compact", StringComparison.OrdinalIgnoreCase))
        {
            return ApiKind.Responses;
        }

        if (path.EndsWith("/chat/completions", StringComparison.OrdinalIgnoreCase))
        {
            return ApiKind.ChatCompletions;
        }

        if (path.EndsWith("/completions", StringComparison.OrdinalIgnoreCase))
        {
            return ApiKind.Completions;
        }

        return path.EndsWith("/embeddings", StringComparison.OrdinalIgnoreCase) ? ApiKind.Embeddings : ApiKind.Other;
    }
}
