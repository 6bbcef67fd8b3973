using System.Text.Json;
using Tollgate.Core.Json;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Providers.OpenAI;

/// <summary>
/// Interprets Responses API stream events, the same JSON whether they come as SSE
/// <c>data:</c> payloads or WebSocket text frames. Only the few event types that carry the
/// model, usage, errors or rate limits are parsed; text deltas are skipped after a peek at
/// their <c>type</c>.
/// </summary>
public sealed class ResponsesEventReader
{
    private readonly TimeProvider _time;

    public ResponsesEventReader(CallUsage target, TimeProvider time)
    {
        Target = target;
        _time = time;
    }

    public CallUsage Target { get; set; }

    /// <summary>Handles one event. Returns true when it ended a response (completed, incomplete or failed).</summary>
    public bool OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        var type = eventName;
        if (type.IsEmpty && !JsonPeek.TryGetTopLevelType(data, out type))
        {
            if (data.SequenceEqual("[DONE]"u8))
            {
                return false;
            }

            Target.Malformed |= !LooksLikeJson(data);
            return false;
        }

        var kind = Classify(type);
        if (kind == EventKind.Ignored)
        {
            return false;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(data.ToArray());
        }
        catch (JsonException)
        {
            Target.Malformed = true;
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            switch (kind)
            {
                case EventKind.Created:
                    ReadResponse(root.GetObject("response"), final: false);
                    return false;
                case EventKind.Terminal:
                    var response = root.GetObject("response");
                    ReadResponse(response, final: true);
                    if (response?.GetObject("error") is { } err)
                    {
                        Target.ErrorType ??= OpenAIUsage.ReadErrorType(err);
                    }

                    if (Target.Usage is null && response is not null)
                    {
                        Target.Malformed |= !response.Value.TryGetProperty("usage", out _);
                    }

                    return true;
                case EventKind.RateLimits:
                    if (RateLimitEvent.Read(root, _time.GetUtcNow()) is { } snap)
                    {
                        Target.RateLimits = snap;
                    }

                    return false;
                case EventKind.Error:
                    Target.ErrorType = root.GetObject("error") is { } e ? OpenAIUsage.ReadErrorType(e) : root.GetString("code") ?? root.GetString("message") ?? "error";
                    // A WebSocket error frame carries an HTTP status and ends the response it belongs to.
                    Target.ErrorStatus = root.GetLong("status") is { } status ? (int)status : Target.ErrorStatus;
                    return Target.ErrorStatus is not null;
                default:
                    return false;
            }
        }
    }

    private void ReadResponse(JsonElement? response, bool final)
    {
        if (response is not { } r)
        {
            Target.Malformed |= final;
            return;
        }

        Target.Model = r.GetString("model") ?? Target.Model;
        Target.ResponseId = r.GetString("id") ?? Target.ResponseId;
        Target.ServiceTier = r.GetString("service_tier") ?? Target.ServiceTier;
        if (final)
        {
            if (r.TryGetProperty("usage", out var u) && OpenAIUsage.Read(u) is { } usage)
            {
                Target.Usage = usage;
            }

            Target.Final = true;
        }
    }

    private static EventKind Classify(ReadOnlySpan<byte> type)
    {
        if (type.SequenceEqual("response.completed"u8) || type.SequenceEqual("response.incomplete"u8) || type.SequenceEqual("response.failed"u8) || type.SequenceEqual("response.done"u8))
        {
            return EventKind.Terminal;
        }

        if (type.SequenceEqual("response.created"u8) || type.SequenceEqual("response.in_progress"u8))
        {
            return EventKind.Created;
        }

        if (type.SequenceEqual("codex.rate_limits"u8))
        {
            return EventKind.RateLimits;
        }

        return type.SequenceEqual("error"u8) || type.SequenceEqual("response.error"u8) ? EventKind.Error : EventKind.Ignored;
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> data)
    {
        var t = data.TrimStart(" \t\r\n"u8);
        return !t.IsEmpty && (t[0] == (byte)'{' || t[0] == (byte)'[');
    }

    private enum EventKind
    {
        Ignored,
        Created,
        Terminal,
        RateLimits,
        Error,
    }
}
