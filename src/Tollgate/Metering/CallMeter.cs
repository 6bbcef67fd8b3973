using System.Diagnostics;
using Tollgate.Core.Usage;
using Tollgate.Proxy;

namespace Tollgate.Metering;

/// <summary>
/// Per-request metering state, carried in the request's features from the moment the request
/// arrives to the moment its record is handed to the writer.
/// </summary>
internal sealed class CallMeter
{
    public CallMeter(UpstreamRoute route, long startTimestamp, DateTimeOffset startTime)
    {
        Route = route;
        StartTimestamp = startTimestamp;
        StartTime = startTime;
    }

    public UpstreamRoute Route { get; }
    public long StartTimestamp { get; }
    public DateTimeOffset StartTime { get; }
    public RequestInfo Request { get; set; } = RequestInfo.Empty;
    public string? SessionId { get; set; }
    public IUsageTap? Tap { get; set; }
    public long FirstByteTimestamp { get; set; }

    /// <summary>When the last response chunk went to the client; tells an idle timeout from a cut.</summary>
    public long LastChunkTimestamp { get; private set; }
    public Core.RateLimits.RateLimitSnapshot? RateLimits { get; set; }

    public void MarkChunk()
    {
        LastChunkTimestamp = Stopwatch.GetTimestamp();
        if (FirstByteTimestamp == 0)
        {
            FirstByteTimestamp = LastChunkTimestamp;
        }
    }
}

/// <summary>Milliseconds between two <see cref="Stopwatch"/> timestamps.</summary>
internal static class Elapsed
{
    public static double Ms(long start, long end) => (end - start) * 1000.0 / Stopwatch.Frequency;
}
