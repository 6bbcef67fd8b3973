namespace Tollgate.Core.Sse;

/// <summary>Receives the events an <see cref="SseParser"/> finds. The spans are valid only during the call.</summary>
public interface ISseEventSink
{
    /// <param name="eventName">The <c>event:</c> field, empty when the event had none.</param>
    /// <param name="data">The <c>data:</c> lines joined with <c>\n</c>.</param>
    void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data);
}
