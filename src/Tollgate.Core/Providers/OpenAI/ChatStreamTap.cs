using System.Text.Json;
using Tollgate.Core.Json;
using Tollgate.Core.Sse;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Providers.OpenAI;

/// <summary>
/// Usage tap for Chat Completions and legacy Completions SSE streams. Usage comes in the last
/// chunk before <c>data: [DONE]</c>, and only when the request asked for it
/// (<c>stream_options.include_usage</c>); without it the usage is unknown, not zero.
/// </summary>
public sealed class ChatStreamTap : SseUsageTap
{
    private readonly CallUsage _usage = new();
    private bool _done;

    public override void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            _done = true;
            return;
        }

        // Every chunk repeats the model; parse the first one, and later only chunks with a
        // usage object or an error.
        var wanted = _usage.Model is null
            || data.IndexOf("\"usage\":{"u8) >= 0
            || data.IndexOf("\"usage\": {"u8) >= 0
            || data.IndexOf("\"error\""u8) >= 0;
        if (!wanted)
        {
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(data.ToArray());
            var root = doc.RootElement;
            _usage.Model ??= root.GetString("model");
            _usage.ResponseId ??= root.GetString("id");
            _usage.ServiceTier = root.GetString("service_tier") ?? _usage.ServiceTier;
            if (root.TryGetProperty("usage", out var u) && OpenAIUsage.Read(u) is { } usage)
            {
                _usage.Usage = usage;
                _usage.Final = true;
            }

            if (root.TryGetProperty("error", out var e))
            {
                _usage.ErrorType = OpenAIUsage.ReadErrorType(e);
            }
        }
        catch (JsonException)
        {
            _usage.Malformed = true;
        }
    }

    protected override CallUsage Finish(bool bodyComplete)
    {
        if (bodyComplete && !_done && Parser.EventCount == 0)
        {
            _usage.Malformed = true;
        }

        return _usage;
    }
}
