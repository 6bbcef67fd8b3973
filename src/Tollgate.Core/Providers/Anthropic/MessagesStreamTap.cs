using System.Text.Json;
using Tollgate.Core.Json;
using Tollgate.Core.Sse;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Providers.Anthropic;

/// <summary>
/// Usage tap for Anthropic Messages SSE: <c>message_start</c> carries the model and the input
/// side, <c>message_delta</c> the cumulative output, <c>message_stop</c> ends the message.
/// </summary>
public sealed class MessagesStreamTap : SseUsageTap
{
    private readonly CallUsage _result = new();
    private readonly AnthropicUsage _usage = new();

    public override void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        var type = eventName;
        if (type.IsEmpty && !JsonPeek.TryGetTopLevelType(data, out type))
        {
            _result.Malformed = true;
            return;
        }

        if (type.SequenceEqual("message_stop"u8))
        {
            _result.Final = true;
            return;
        }

        var isStart = type.SequenceEqual("message_start"u8);
        var isDelta = type.SequenceEqual("message_delta"u8);
        var isError = type.SequenceEqual("error"u8);
        if (!isStart && !isDelta && !isError)
        {
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(data.ToArray());
            var root = doc.RootElement;
            if (isError)
            {
                _result.ErrorType = AnthropicUsage.ReadErrorType(root);
                return;
            }

            var source = isStart ? root.GetObject("message") : root;
            if (source is { } s)
            {
                if (isStart)
                {
                    _result.Model = s.GetString("model") ?? _result.Model;
                    _result.ResponseId = s.GetString("id") ?? _result.ResponseId;
                }

                if (s.TryGetProperty("usage", out var u))
                {
                    _usage.Apply(u);
                    _result.ServiceTier = u.GetString("service_tier") ?? _result.ServiceTier;
                }
            }
        }
        catch (JsonException)
        {
            _result.Malformed = true;
        }
    }

    protected override CallUsage Finish(bool bodyComplete)
    {
        _result.Usage = _usage.ToTokenUsage();
        _result.Malformed |= bodyComplete && !_result.Final && _result.ErrorType is null;
        return _result;
    }
}
