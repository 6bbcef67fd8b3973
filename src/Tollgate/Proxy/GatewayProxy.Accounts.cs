using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using Tollgate.Core.Accounts;
using Tollgate.Core.Compression;
using Tollgate.Core.Routing;
using Tollgate.Core.Usage;
using Tollgate.Metering;
using Yarp.ReverseProxy.Forwarder;

namespace Tollgate.Proxy;

/// <summary>
/// The forwarding path when accounts are configured: the client's key is checked and removed,
/// the router picks an account, and a retryable failure before the first response byte moves
/// the request to the next eligible account, up to the pool's attempt limit. Every attempt is
/// recorded; the final record names the serving account and how many attempts it took.
/// </summary>
internal sealed partial class GatewayProxy
{
    private const long MaxReplayBytes = 32L * 1024 * 1024;

    private async Task HandleWithAccountsAsync(HttpContext context, CallMeter meter)
    {
        var anthropic = meter.Route.IsAnthropic;
        var presented = PresentedKey(context.Request);
        var clientKey = _accounts.Authenticate(presented);
        if (clientKey is null)
        {
            await GatewayErrors.WriteAsync(context, anthropic, StatusCodes.Status401Unauthorized, GatewayErrors.InvalidClientKey, presented.Length == 0
                ? "Tollgate requires a client key here: send 'Authorization: Bearer tg-…' or 'x-api-key: tg-…' (create one with 'tollgate keys create NAME')."
                : "Tollgate does not know this client key: it is mistyped or was revoked (see 'tollgate keys list').");
            _writer.Enqueue(UsageRecords.Build(context, meter, usage: null, CallOutcome.GatewayRejected) with { ErrorType = GatewayErrors.InvalidClientKey });
            return;
        }

        if (context.WebSockets.IsWebSocketRequest)
        {
            // Failover happens before the first response byte of an HTTP request; a WebSocket
            // carries many responses. Codex falls back to HTTP at once on 426.
            await GatewayErrors.WriteAsync(context, anthropic, StatusCodes.Status426UpgradeRequired, GatewayErrors.WebSocketUnavailable,
                "Tollgate routes across accounts over HTTP: use the HTTP endpoint (Codex falls back to it by itself).");
            return;
        }

        if (!await ReadBodyOrRejectAsync(context, meter))
        {
            return;
        }

        var info = meter.Request;

        var replayable = await EnsureReplayableAsync(context.Request);
        var service = anthropic ? ServiceKind.Anthropic : ServiceKind.OpenAI;
        var affinity = AffinityKeys(meter.SessionId, info.PromptCacheKey, info.PreviousResponseId);
        var maxAttempts = replayable ? _accounts.Router.MaxAttempts(service, clientKey.Pool) : 1;
        var body = new OriginalBody(context.Request);
        var baseRoute = meter.Route;
        var tried = new List<Guid>(maxAttempts);
        UsageRecord? pendingAttempt = null; // the last failed attempt's record, until we know whether it is the final one
        Account? account = null;
        var attempts = 0;
        var error = ForwarderError.None;
        while (true)
        {
            var decision = _accounts.Router.Select(new RouteRequest(service, clientKey.Pool, info.Model, affinity), CollectionsMarshal.AsSpan(tried));
            if (decision.Account is null)
            {
                if (attempts == 0)
                {
                    await RouteErrorAsync(context, meter, decision);
                    return;
                }

                // Nothing left to try: the last attempt's answer is the client's, as it was.
                if (meter.Held is { } held)
                {
                    await WriteHeldAsync(context, held, account!, attempts);
                }
                else
                {
                    await ReportForwardErrorAsync(context, meter, error, CallOutcome.UpstreamUnreachable, $"the upstream of account '{account!.Name}'");
                }

                _writer.Enqueue(pendingAttempt!);
                return;
            }

            if (!_accounts.TryGetCredential(decision.Account.Id, out var credential))
            {
                tried.Add(decision.Account.Id); // removed or broken since it was chosen: not an attempt
                continue;
            }

            if (pendingAttempt is not null)
            {
                _writer.Enqueue(pendingAttempt); // superseded by the attempt that starts now
                pendingAttempt = null;
            }

            account = decision.Account;
            attempts++;
            meter.ResetAttempt();
            meter.Account = account;
            meter.Credential = credential;
            meter.Attempt = attempts;
            meter.CanRetry = attempts < maxAttempts;
            meter.Route = baseRoute with { BaseUrl = account.BaseUrl };
            body.PrepareFor(account, info.Model, _maxBodyBytes);

            error = await ForwardAsync(context, meter, account.BaseUrl);

            var health = _accounts.Router.Health(account.Id);
            if (meter.Held is { } h)
            {
                health?.Report(h.Report);
                LogAttemptFailed(account.Name, attempts, h.Status);
                pendingAttempt = UsageRecords.Build(context, meter, usage: null, CallOutcome.UpstreamError, status: h.Status)
                    with { ErrorType = h.ErrorType ?? $"http_{h.Status}", Account = account.Name, Attempt = attempts };
                tried.Add(account.Id);
                context.Response.Clear();
                continue;
            }

            if (error is ForwarderError.Request or ForwarderError.RequestTimedOut && !context.Response.HasStarted
                && meter.CanRetry && !context.RequestAborted.IsCancellationRequested)
            {
                health?.Report(new AttemptReport(AttemptResult.ConnectFailure, Detail: error.ToString()));
                LogAttemptFailed(account.Name, attempts, 0);
                pendingAttempt = UsageRecords.Build(context, meter, usage: null, CallOutcome.UpstreamUnreachable, status: StatusCodes.Status502BadGateway)
                    with { ErrorType = GatewayErrors.UpstreamUnreachable, Account = account.Name, Attempt = attempts };
                tried.Add(account.Id);
                context.Response.Clear();
                continue;
            }

            break;
        }

        await FinishAsync(context, meter, error, account, affinity);
    }

    private async Task FinishAsync(HttpContext context, CallMeter meter, ForwarderError error, Account account, string[] affinity)
    {
        CallUsage? usage = null;
        if (meter.Tap is { } tap)
        {
            usage = tap.Complete(bodyComplete: error == ForwarderError.None && !meter.StreamCutReported);
            tap.Dispose();
            meter.Tap = null;
        }

        var outcome = meter.StreamCutReported ? CallOutcome.StreamCut : Settle(Classify(error, context, meter), usage);
        await ReportForwardErrorAsync(context, meter, error, outcome, $"the upstream of account '{account.Name}'");

        var status = context.Response.StatusCode;
        var health = _accounts.Router.Health(account.Id);
        if (meter.RateLimits is { IsEmpty: false } limits)
        {
            health?.ObserveRateLimits(limits);
        }

        health?.Report(outcome switch
        {
            CallOutcome.StreamCut => new AttemptReport(AttemptResult.Cut),
            CallOutcome.UpstreamUnreachable => new AttemptReport(AttemptResult.ConnectFailure),
            CallOutcome.UpstreamTimeout => new AttemptReport(AttemptResult.ServerError, Detail: "timed out"),
            CallOutcome.ClientCancelled => new AttemptReport(AttemptResult.ClientError),
            _ => new AttemptReport(MeteringTransformer.Classify(status), MeteringTransformer.RetryAfter(meter.RateLimits)),
        });

        if (status < 400 && outcome is CallOutcome.Success)
        {
            _accounts.Router.Bind(affinity, account.Id);
            if (usage?.ResponseId is { } responseId)
            {
                _accounts.Router.Bind("resp:" + responseId, account.Id);
            }
        }

        _writer.Enqueue(UsageRecords.Build(context, meter, usage, outcome) with { Account = account.Name, Attempt = meter.Attempt });
    }

    private async Task RouteErrorAsync(HttpContext context, CallMeter meter, RouteDecision decision)
    {
        var (status, code) = decision.Error switch
        {
            RouteError.NoAccountForModel => (StatusCodes.Status400BadRequest, GatewayErrors.NoAccountForModel),
            RouteError.Exhausted => (StatusCodes.Status429TooManyRequests, GatewayErrors.LimitsReached),
            _ => (StatusCodes.Status503ServiceUnavailable, GatewayErrors.NoAccount),
        };
        await GatewayErrors.WriteAsync(context, meter.Route.IsAnthropic, status, code, "Tollgate: " + decision.Message);
        _writer.Enqueue(UsageRecords.Build(context, meter, usage: null, CallOutcome.GatewayRejected) with { ErrorType = code });
    }

    private static async Task WriteHeldAsync(HttpContext context, HeldResponse held, Account account, int attempts)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = held.Status;
        foreach (var (name, values) in held.Headers)
        {
            if (!IsHopByHop(name))
            {
                response.Headers[name] = new StringValues(values);
            }
        }

        response.Headers["x-tollgate-account"] = account.Name;
        response.Headers["x-tollgate-attempts"] = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.ContentLength = held.Body.Length;
        await response.Body.WriteAsync(held.Body, context.RequestAborted);
    }

    private static bool IsHopByHop(string name) =>
        name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase);

    /// <summary>The client key from <c>Authorization: Bearer</c> or <c>x-api-key</c>; empty when there is none.</summary>
    internal static string PresentedKey(HttpRequest request)
    {
        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return auth[7..].Trim();
        }

        return request.Headers.TryGetValue("x-api-key", out var key) ? key.ToString().Trim() : "";
    }

    /// <summary>The conversation keys of a request, strongest first.</summary>
    private static string[] AffinityKeys(string? sessionId, string? promptCacheKey, string? previousResponseId)
    {
        var keys = new List<string>(3);
        if (previousResponseId is not null)
        {
            keys.Add("resp:" + previousResponseId);
        }

        if (sessionId is not null)
        {
            keys.Add("session:" + sessionId);
        }

        if (promptCacheKey is not null && promptCacheKey != sessionId)
        {
            keys.Add("session:" + promptCacheKey);
        }

        return [.. keys];
    }

    /// <summary>Makes the request body readable again for another attempt (bounded); false when it cannot be.</summary>
    private static async Task<bool> EnsureReplayableAsync(HttpRequest request)
    {
        if (request.Body is MemoryStream || request.ContentLength == 0 || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return true;
        }

        if (request.ContentLength is not { } length || length > MaxReplayBytes)
        {
            return false; // unknown or large: streamed through once, no failover
        }

        var copy = new byte[length];
        var read = await request.Body.ReadAtLeastAsync(copy, copy.Length, throwOnEndOfStream: false, request.HttpContext.RequestAborted);
        request.Body = new MemoryStream(copy, 0, read, writable: false, publiclyVisible: true);
        return true;
    }

    /// <summary>
    /// The client's body as it arrived, re-offered for each attempt. An account that maps the
    /// requested model gets a rewritten body (decoded, with its own model name); every other
    /// account gets the original bytes.
    /// </summary>
    private sealed class OriginalBody
    {
        private readonly HttpRequest _request;
        private readonly MemoryStream? _original;
        private readonly long? _length;
        private readonly StringValues _encoding;

        public OriginalBody(HttpRequest request)
        {
            _request = request;
            _original = request.Body as MemoryStream;
            _length = request.ContentLength;
            _encoding = request.Headers.ContentEncoding;
        }

        public void PrepareFor(Account account, string? model, long maxBytes)
        {
            if (_original is null)
            {
                return;
            }

            if (model is not null && account.ModelMap.TryGetValue(model, out var mapped) && Rewrite(mapped, maxBytes) is { } rewritten)
            {
                _request.Body = new MemoryStream(rewritten, writable: false);
                _request.ContentLength = rewritten.Length;
                _request.Headers.ContentEncoding = StringValues.Empty;
                return;
            }

            _original.Position = 0;
            _request.Body = _original;
            _request.ContentLength = _length;
            _request.Headers.ContentEncoding = _encoding;
        }

        private byte[]? Rewrite(string model, long maxBytes)
        {
            var bytes = _original!.GetBuffer().AsMemory(0, (int)_original.Length);
            if (ContentCoding.TryDecode(_encoding.ToString(), bytes, maxBytes, out var decoded) != DecodeStatus.Ok)
            {
                return null;
            }

            if (JsonNode.Parse(decoded.Span) is not JsonObject json)
            {
                return null;
            }

            json["model"] = model;
            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        }
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Account {Account} failed attempt {Attempt} (HTTP {Status}); trying the next account")]
    private partial void LogAttemptFailed(string account, int attempt, int status);
}
