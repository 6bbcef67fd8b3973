using Tollgate.Core.Usage;

namespace Tollgate.Core.Sse;

/// <summary>A usage tap over an SSE body: the bytes go through an <see cref="SseParser"/>, the events to the subclass.</summary>
public abstract class SseUsageTap : IUsageTap, ISseEventSink
{
    protected SseUsageTap() => Parser = new SseParser(this);

    protected SseParser Parser { get; }

    public void Observe(ReadOnlySpan<byte> chunk) => Parser.Feed(chunk);

    public abstract void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data);

    public CallUsage Complete(bool bodyComplete)
    {
        Parser.Complete();
        return Finish(bodyComplete);
    }

    public void Dispose()
    {
        Parser.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Called once the stream has ended; <paramref name="bodyComplete"/> is false for a cut or cancelled body.</summary>
    protected abstract CallUsage Finish(bool bodyComplete);
}
