using System.Text.Json;

namespace Tollgate.Proxy;

/// <summary>What the gateway reads from a request body: enough to meter and (later) route it.</summary>
internal sealed record RequestInfo
{
    public static readonly RequestInfo Empty = new();

    public string? Model { get; init; }
    public bool Stream { get; init; }
    public string? PromptCacheKey { get; init; }
    public string? PreviousResponseId { get; init; }
    public string? ReasoningEffort { get; init; }
    public bool? IncludeUsage { get; init; }

    /// <summary>
    /// Reads the top-level fields it needs and skips the rest (<c>input</c> is most of a Codex
    /// body). Returns null when the body is not a JSON object.
    /// </summary>
    public static RequestInfo? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? model = null, cacheKey = null, previous = null, effort = null;
            bool stream = false;
            bool? includeUsage = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() : model;
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("prompt_cache_key"u8))
                {
                    reader.Read();
                    cacheKey = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("previous_response_id"u8))
                {
                    reader.Read();
                    previous = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("reasoning"u8))
                {
                    reader.Read();
                    effort = ReadNested(ref reader, "effort"u8) ?? effort;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    includeUsage = ReadNested(ref reader, "include_usage"u8) is { } v ? v == "true" : includeUsage;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return new RequestInfo
            {
                Model = model,
                Stream = stream,
                PromptCacheKey = cacheKey,
                PreviousResponseId = previous,
                ReasoningEffort = effort,
                IncludeUsage = includeUsage,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ReadNested(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? found = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                found = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.True => "true",
                    JsonTokenType.False => "false",
                    _ => found,
                };
            }

            reader.Skip();
        }

        return found;
    }
}
