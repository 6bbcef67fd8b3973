using System.Diagnostics;
using Tollgate.Core.BodyFilters;
using Tollgate.Core.Configuration;
using Tollgate.Core.Usage;
using Tollgate.Metering;
using Yarp.ReverseProxy.Forwarder;

namespace Tollgate.Proxy;

/// <summary>
/// The forwarding path: every request that is not one of Tollgate's own endpoints comes here,
/// is forwarded with YARP's <see cref="IHttpForwarder"/>, teed through a usage tap, and ends as
/// one <see cref="UsageRecord"/> handed to the writer. Nothing on this path waits on the store.
/// </summary>
internal sealed partial class GatewayProxy
{
    private readonly IHttpForwarder _forwarder;
    private readonly UpstreamRouter _router;
    private readonly UpstreamClients _clients;
    private readonly MeteringTransformer _transformer;
    private readonly WebSocketRelay _webSockets;
    private readonly UsageWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _maxBodyBytes;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly TimeSpan _idleTimeout;
    private readonly Hosting.AccountRuntime _accounts;
    private readonly BodyFilterWatcher _filters;

    public GatewayProxy(
        IHttpForwarder forwarder,
        UpstreamRouter router,
        UpstreamClients clients,
        MeteringTransformer transformer,
        WebSocketRelay webSockets,
        UsageWriter writer,
        TollgateConfig config,
        TimeProvider time,
        Hosting.AccountRuntime accounts,
        BodyFilterWatcher filters,
        ILogger<GatewayProxy> logger)
    {
        _filters = filters;
        _accounts = accounts;
        _forwarder = forwarder;
        _router = router;
        _clients = clients;
        _transformer = transformer;
        _webSockets = webSockets;
        _writer = writer;
        _time = time;
        _logger = logger;
        _maxBodyBytes = config.Server.MaxRequestBodyBytes;
        _idleTimeout = config.Server.IdleTimeout;

        // ActivityTimeout is an idle timeout: it restarts on every read or write.
        _requestConfig = new ForwarderRequestConfig { ActivityTimeout = config.Server.IdleTimeout };
    }

    public async Task HandleAsync(HttpContext context)
    {
        var route = _router.Resolve(context.Request);
        var meter = new CallMeter(route, Stopwatch.GetTimestamp(), _time.GetUtcNow())
        {
            SessionId = ConversationHeaders.SessionId(context.Request.Headers),
        };

        if (_accounts.RequireClientKeys)
        {
            await HandleWithAccountsAsync(context, meter);
            return;
        }

        if (context.WebSockets.IsWebSocketRequest)
        {
            await _webSockets.RelayAsync(context, meter);
            return;
        }

        if (!await ReadBodyOrRejectAsync(context, meter))
        {
            return;
        }

        var error = await ForwardAsync(context, meter, route.BaseUrl);
        CallUsage? usage = null;
        if (meter.Tap is { } tap)
        {
            usage = tap.Complete(bodyComplete: error == ForwarderError.None);
            tap.Dispose();
        }

        var outcome = Settle(Classify(error, context, meter), usage);
        await ReportForwardErrorAsync(context, meter, error, outcome, $"the upstream {Origin(route.BaseUrl)}");
        _writer.Enqueue(UsageRecords.Build(context, meter, usage, outcome));
    }

    /// <summary>Reads the request body into the meter; false when it was refused (the client has its answer, the record is written).</summary>
    private async Task<bool> ReadBodyOrRejectAsync(HttpContext context, CallMeter meter)
    {
        context.Features.Set(meter);
        var read = await ReadBodyAsync(context);
        meter.Request = read.Info;
        if (context.Features.Get<BodyLogCapture>() is { } bodyLog && read.Status == BodyReadStatus.Ok)
        {
            bodyLog.RequestBody = read.Body;
            bodyLog.Filtered = read.Filtered;
        }

        if (read.FilterTimeouts > 0)
        {
            LogFilterTimeout(context.Request.Path.Value ?? "/", read.FilterTimeouts, BodyFilter.RegexTimeout.TotalSeconds);
        }

        if (read.Status is BodyReadStatus.Ok or BodyReadStatus.NotInspected)
        {
            return true;
        }

        await RejectAsync(context, meter, read.Status);
        return false;
    }

    /// <summary>One forward through YARP, with the response body teed through the meter.</summary>
    private async Task<ForwarderError> ForwardAsync(HttpContext context, CallMeter meter, string baseUrl)
    {
        var clientBody = context.Response.Body;
        context.Response.Body = new MeteringStream(clientBody, meter);
        try
        {
            return await _forwarder.SendAsync(context, baseUrl, _clients.For(baseUrl), _requestConfig, _transformer);
        }
        finally
        {
            context.Response.Body = clientBody;
        }
    }

    /// <summary>Logs a forwarding error and, when nothing was sent yet, answers 502/504 in the client's format.</summary>
    private async Task ReportForwardErrorAsync(HttpContext context, CallMeter meter, ForwarderError error, CallOutcome outcome, string upstream)
    {
        if (error == ForwarderError.None || outcome == CallOutcome.Success)
        {
            return;
        }

        LogForwardError(context.Request.Method, context.Request.Path.Value ?? "/", meter.Route.Service, error, outcome);
        if (outcome is CallOutcome.UpstreamUnreachable or CallOutcome.UpstreamTimeout && !context.Response.HasStarted)
        {
            var timeout = outcome == CallOutcome.UpstreamTimeout;
            await GatewayErrors.WriteAsync(
                context,
                meter.Route.IsAnthropic,
                timeout ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                timeout ? GatewayErrors.UpstreamTimeout : GatewayErrors.UpstreamUnreachable,
                timeout ? $"Tollgate: {upstream} sent nothing for too long." : $"Tollgate could not reach {upstream} ({error}).");
        }
    }

    private async Task<BodyRead> ReadBodyAsync(HttpContext context)
    {
        try
        {
            return await RequestBodyReader.ReadAsync(context.Request, _maxBodyBytes, _filters.Current, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BodyRead.Unread(BodyReadStatus.TooLarge);
        }
    }

    private async Task RejectAsync(HttpContext context, CallMeter meter, BodyReadStatus status)
    {
        var (code, http, message) = status switch
        {
            BodyReadStatus.UnsupportedEncoding => (GatewayErrors.UnsupportedEncoding, StatusCodes.Status415UnsupportedMediaType,
                $"Tollgate cannot decode Content-Encoding '{context.Request.Headers.ContentEncoding}'. Supported: zstd, gzip, br, deflate, identity."),
            BodyReadStatus.TooLarge => (GatewayErrors.BodyTooLarge, StatusCodes.Status413PayloadTooLarge,
                $"Tollgate accepts request bodies up to {_maxBodyBytes / (1024 * 1024)} MiB (server.max_request_body_mb)."),
            _ => (GatewayErrors.CorruptBody, StatusCodes.Status400BadRequest,
                $"Tollgate could not decode the request body as '{context.Request.Headers.ContentEncoding}': the compressed data is corrupt."),
        };
        await GatewayErrors.WriteAsync(context, meter.Route.IsAnthropic, http, code, message);
        _writer.Enqueue(UsageRecords.Build(context, meter, usage: null, CallOutcome.GatewayRejected) with { ErrorType = code });
    }

    private CallOutcome Classify(ForwarderError error, HttpContext context, CallMeter meter) => error switch
    {
        // YARP reports its idle (activity) timeout during the body as a body error; the silence
        // before it tells the two apart. (Not whether the client's request was aborted: YARP
        // aborts it itself after such an error, sometimes before this runs.)
        ForwarderError.ResponseBodyDestination when SilentFor(meter) >= _idleTimeout * 0.9 => CallOutcome.UpstreamTimeout,
        ForwarderError.None => CallOutcome.Success,
        ForwarderError.Request => context.RequestAborted.IsCancellationRequested ? CallOutcome.ClientCancelled : CallOutcome.UpstreamUnreachable,
        ForwarderError.RequestTimedOut => CallOutcome.UpstreamTimeout,
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient => CallOutcome.ClientCancelled,
        ForwarderError.RequestBodyDestination => CallOutcome.UpstreamUnreachable,
        ForwarderError.ResponseBodyCanceled => context.RequestAborted.IsCancellationRequested ? CallOutcome.ClientCancelled : CallOutcome.UpstreamTimeout,
        ForwarderError.ResponseBodyClient => CallOutcome.ClientCancelled,
        ForwarderError.ResponseBodyDestination => CallOutcome.StreamCut,
        _ => CallOutcome.UpstreamUnreachable,
    };

    /// <summary>
    /// A client that hangs up once it has the whole answer did not cancel the call: Codex closes
    /// the stream as soon as it reads <c>response.completed</c>, sometimes before the upstream's
    /// last bytes have passed. With the terminal usage event seen, the call succeeded.
    /// </summary>
    private static CallOutcome Settle(CallOutcome outcome, CallUsage? usage) =>
        outcome == CallOutcome.ClientCancelled && usage is { Final: true } ? CallOutcome.Success : outcome;

    private static TimeSpan SilentFor(CallMeter meter) =>
        TimeSpan.FromMilliseconds(Elapsed.Ms(meter.LastChunkTimestamp != 0 ? meter.LastChunkTimestamp : meter.StartTimestamp, Stopwatch.GetTimestamp()));

    private static string Origin(string baseUrl) => new Uri(baseUrl).GetLeftPart(UriPartial.Authority);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "{Path}: {Count} body filter rule(s) ran longer than {Seconds} s and were skipped for this request")]
    private partial void LogFilterTimeout(string path, int count, double seconds);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "{Method} {Path} to {Service} ended with {Error} ({Outcome})")]
    private partial void LogForwardError(string method, string path, string service, ForwarderError error, CallOutcome outcome);
}
