using Tollgate.Core.Providers.Anthropic;
using Tollgate.Core.Providers.OpenAI;

namespace Tollgate.Core.Usage;

/// <summary>Chooses the usage tap for a response from its API and content type.</summary>
public static class UsageTaps
{
    /// <summary>Returns null when the response cannot carry usage (binary bodies, model lists).</summary>
    public static IUsageTap? Create(ApiKind api, string? contentType, string? contentEncoding, TimeProvider time)
    {
        if (api is ApiKind.Other or ApiKind.AnthropicCountTokens)
        {
            return null;
        }

        var mediaType = MediaType(contentType);
        IUsageTap? tap = mediaType switch
        {
            "text/event-stream" => api switch
            {
                ApiKind.Responses => new ResponsesStreamTap(time),
                ApiKind.AnthropicMessages => new MessagesStreamTap(),
                _ => new ChatStreamTap(),
            },
            "application/json" or "" => new JsonBodyTap(api),
            _ when mediaType.EndsWith("+json", StringComparison.Ordinal) => new JsonBodyTap(api),
            _ => null,
        };

        return tap is not null && !Compression.ContentCoding.IsIdentity(contentEncoding)
            ? new EncodedBodyTap(tap, contentEncoding!)
            : tap;
    }

    private static string MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return "";
        }

        var semi = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semi < 0 ? contentType : contentType[..semi]).Trim().ToLowerInvariant();
    }
}
