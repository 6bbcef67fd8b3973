namespace Tollgate.Core.Usage;

/// <summary>How a forwarded call ended. Expected failures are values, not exceptions.</summary>
public enum CallOutcome
{
    Success,

    /// <summary>The upstream answered with a status of 400 or more; its body reached the client.</summary>
    UpstreamError,

    /// <summary>The upstream could not be reached (connect failure, DNS, TLS).</summary>
    UpstreamUnreachable,

    /// <summary>The upstream sent nothing for longer than the idle timeout.</summary>
    UpstreamTimeout,

    /// <summary>The upstream closed the response before it was complete.</summary>
    StreamCut,

    /// <summary>The client went away before the response was complete.</summary>
    ClientCancelled,

    /// <summary>The response arrived whole but could not be parsed for usage.</summary>
    MalformedResponse,

    /// <summary>The gateway was shutting down and ended the call (a relayed WebSocket still busy after the grace period).</summary>
    GatewayStopped,

    /// <summary>The gateway refused the request itself (bad encoding, too large, bad JSON).</summary>
    GatewayRejected,
}
