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

    /// <summary>Where the current attempt goes (with accounts, each attempt has its account's base).</summary>
    public UpstreamRoute Route { get; set; }
    public long StartTimestamp { get; }
    public DateTimeOffset StartTime { get; }
    public RequestInfo Request { get; set; } = RequestInfo.Empty;
    public string? SessionId { get; set; }
    public IUsageTap? Tap { get; set; }
    public long FirstByteTimestamp { get; set; }

    /// <summary>When the last response chunk went to the client; tells an idle timeout from a cut.</summary>
    public long LastChunkTimestamp { get; private set; }
    public Core.RateLimits.RateLimitSnapshot? RateLimits { get; set; }

    /// <summary>With accounts: the account of the current attempt, its number, and whether another may follow.</summary>
    public Core.Accounts.Account? Account { get; set; }
    public string? Credential { get; set; }
    public int Attempt { get; set; }
    public bool CanRetry { get; set; }

    /// <summary>Set by the transformer when it held back a retryable upstream error instead of forwarding it.</summary>
    public HeldResponse? Held { get; set; }

    /// <summary>Set when the upstream stream broke and the client was sent an error event in its place.</summary>
    public bool StreamCutReported { get; set; }

    /// <summary>Clears what belongs to one attempt, before the next one.</summary>
    public void ResetAttempt()
    {
        Tap?.Dispose();
        Tap = null;
        RateLimits = null;
        Held = null;
        FirstByteTimestamp = 0;
        LastChunkTimestamp = 0;
        StreamCutReported = false;
    }

    public void MarkChunk()
    {
        LastChunkTimestamp = Stopwatch.GetTimestamp();
        if (FirstByteTimestamp == 0)
        {
            FirstByteTimestamp = LastChunkTimestamp;
        }
    }
}

/// <summary>An upstream error response held back so the next account can be tried; sent as-is if none can.</summary>
internal sealed record HeldResponse(int Status, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body, Core.Routing.AttemptReport Report, string? ErrorType);

/// <summary>Milliseconds between two <see cref="Stopwatch"/> timestamps.</summary>
internal static class Elapsed
{
    public static double Ms(long start, long end) => (end - start) * 1000.0 / Stopwatch.Frequency;
}
