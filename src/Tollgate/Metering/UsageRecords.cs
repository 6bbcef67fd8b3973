using System.Diagnostics;
using Tollgate.Core.Usage;

namespace Tollgate.Metering;

/// <summary>Turns a finished call's meter and tap result into the record that is stored.</summary>
internal static class UsageRecords
{
    public static UsageRecord Build(HttpContext context, CallMeter meter, CallUsage? usage, CallOutcome outcome, string transport = "http", int? status = null)
    {
        var end = Stopwatch.GetTimestamp();
        var httpStatus = status ?? context.Response.StatusCode;
        if (outcome == CallOutcome.Success)
        {
            outcome = httpStatus >= 400 ? CallOutcome.UpstreamError
                : usage is { Malformed: true, Usage: null } ? CallOutcome.MalformedResponse
                : CallOutcome.Success;
        }

        var state = usage?.State ?? UsageState.Unknown;
        if (state == UsageState.Unknown && (meter.Route.Api is ApiKind.Other or ApiKind.AnthropicCountTokens || httpStatus >= 400 || outcome == CallOutcome.GatewayRejected))
        {
            // Refused calls and endpoints that are not billed per token cost nothing; they are
            // marked as such rather than as unknown usage.
            state = UsageState.NotBillable;
        }

        return new UsageRecord
        {
            Id = RecordIds.Version7(meter.StartTime),
            Time = meter.StartTime,
            Source = "gateway",
            Service = meter.Route.Service,
            Endpoint = context.Request.Path.Value ?? "/",
            Method = context.Request.Method,
            Status = httpStatus,
            Model = usage?.Model ?? meter.Request.Model,
            Stream = meter.Request.Stream,
            Transport = transport,
            LatencyMs = Elapsed.Ms(meter.StartTimestamp, end),
            TimeToFirstByteMs = meter.FirstByteTimestamp == 0 ? null : Elapsed.Ms(meter.StartTimestamp, meter.FirstByteTimestamp),
            UsageState = state,
            Usage = usage?.Usage,
            SessionId = meter.SessionId ?? meter.Request.PromptCacheKey,
            ServiceTier = usage?.ServiceTier,
            ReasoningEffort = meter.Request.ReasoningEffort,
            Outcome = outcome,
            ErrorType = usage?.ErrorType,
            ResponseId = usage?.ResponseId,
            RateLimits = OfAccount(usage?.RateLimits ?? meter.RateLimits, context),
        };
    }

    /// <summary>
    /// A ChatGPT login's limits (from headers or from <c>codex.rate_limits</c> events, over HTTP
    /// or a WebSocket) are its account's: they are labelled with the last four characters of the
    /// request's <c>ChatGPT-Account-Id</c>, so each account's windows are shown apart.
    /// </summary>
    private static Core.RateLimits.RateLimitSnapshot? OfAccount(Core.RateLimits.RateLimitSnapshot? limits, HttpContext context) =>
        limits is not null && context.Request.Headers["ChatGPT-Account-Id"] is [{ Length: > 4 } account]
            ? limits with { Account = "…" + account[^4..] }
            : limits;
}
