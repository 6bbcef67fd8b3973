using Tollgate.Core.Sse;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Providers.OpenAI;

/// <summary>Usage tap for a Responses API SSE stream.</summary>
public sealed class ResponsesStreamTap : IUsageTap, ISseEventSink
{
    private readonly CallUsage _usage = new();
    private readonly ResponsesEventReader _reader;
    private readonly SseParser _parser;

    public ResponsesStreamTap(TimeProvider time)
    {
        _reader = new ResponsesEventReader(_usage, time);
        _parser = new SseParser(this);
    }

    public void Observe(ReadOnlySpan<byte> chunk) => _parser.Feed(chunk);

    public void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data) => _reader.OnEvent(eventName, data);

    public CallUsage Complete(bool bodyComplete)
    {
        _parser.Complete();
        _usage.Malformed |= bodyComplete && !_usage.Final && _parser.EventCount > 0;
        return _usage;
    }

    public void Dispose() => _parser.Dispose();
}
