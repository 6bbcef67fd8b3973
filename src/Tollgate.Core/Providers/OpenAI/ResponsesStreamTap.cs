using Tollgate.Core.Sse;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Providers.OpenAI;

/// <summary>Usage tap for a Responses API SSE stream.</summary>
public sealed class ResponsesStreamTap : SseUsageTap
{
    private readonly CallUsage _usage = new();
    private readonly ResponsesEventReader _reader;

    public ResponsesStreamTap(TimeProvider time) => _reader = new ResponsesEventReader(_usage, time);

    public override void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data) => _reader.OnEvent(eventName, data);

    protected override CallUsage Finish(bool bodyComplete)
    {
        // A stream that ended normally without its terminal event is not what Responses sends.
        _usage.Malformed |= bodyComplete && !_usage.Final && Parser.EventCount > 0;
        return _usage;
    }
}
