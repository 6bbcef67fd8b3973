using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Tollgate.Core.Accounts;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Routing;
using Tollgate.Core.Usage;
using Tollgate.Metering;
using Yarp.ReverseProxy.Forwarder;

namespace Tollgate.Proxy;

/// <summary>
/// YARP transformer: builds the upstream URI from the route (base + path + query, so
/// <c>/v1</c> is not doubled), copies headers as the default transformer does, and once the
/// upstream's response headers arrive, reads its rate-limit headers and picks the usage tap.
/// With accounts it also swaps the client key for the account's credential, holds back a
/// retryable error while another account may still be tried, and names the serving account.
/// </summary>
internal sealed class MeteringTransformer(TimeProvider time) : HttpTransformer
{
    private const int MaxHeldBody = 64 * 1024;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var meter = httpContext.Features.GetRequiredFeature<CallMeter>();
        proxyRequest.RequestUri = new Uri(string.Concat(meter.Route.BaseUrl, meter.Route.UpstreamPath, httpContext.Request.QueryString.Value));
        if (meter.Account is { } account)
        {
            SetCredential(proxyRequest.Headers, account, meter.Credential!);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        }

        var meter = httpContext.Features.GetRequiredFeature<CallMeter>();
        meter.RateLimits = RateLimitHeaders.Read(Flatten(proxyResponse.Headers), time.GetUtcNow());

        var status = (int)proxyResponse.StatusCode;
        if (meter.Account is not null && meter.CanRetry && IsRetryable(status))
        {
            meter.Held = await HoldAsync(proxyResponse, status, meter.RateLimits, cancellationToken);
            return false; // nothing reaches the client; the proxy tries the next account
        }

        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (meter.Account is { } served)
        {
            httpContext.Response.Headers["x-tollgate-account"] = served.Name;
            httpContext.Response.Headers["x-tollgate-attempts"] = meter.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var content = proxyResponse.Content.Headers;
        var contentType = content.ContentType?.MediaType;
        var encoding = content.ContentEncoding.Count > 0 ? string.Join(',', content.ContentEncoding) : null;
        meter.Tap = UsageTaps.Create(meter.Route.Api, content.ContentType?.ToString(), encoding, time);
        if (meter.Account is not null && status < 400 && encoding is null
            && string.Equals(contentType, "text/event-stream", StringComparison.OrdinalIgnoreCase)
            && meter.Route.Api is ApiKind.Responses or ApiKind.ChatCompletions or ApiKind.Completions or ApiKind.AnthropicMessages)
        {
            proxyResponse.Content = new StreamCutGuard(proxyResponse.Content, meter, httpContext.RequestAborted);
        }

        return proceed;
    }

    /// <summary>429, 5xx and credential refusals may succeed on another account; client errors never do.</summary>
    internal static bool IsRetryable(int status) => status is 429 or 401 or 403 || status >= 500;

    /// <summary>What an upstream status says about the account.</summary>
    internal static AttemptResult Classify(int status) => status switch
    {
        429 => AttemptResult.RateLimited,
        401 or 403 => AttemptResult.AuthFailure,
        >= 500 => AttemptResult.ServerError,
        >= 400 => AttemptResult.ClientError,
        _ => AttemptResult.Success,
    };

    /// <summary>How long a 429 asks to wait, from the headers the upstream sent.</summary>
    internal static TimeSpan? RetryAfter(RateLimitSnapshot? limits) => limits?.Api switch
    {
        { RetryAfter: { } r } => r,
        { RemainingTokens: 0, ResetTokens: { } t } => t,
        { RemainingRequests: 0, ResetRequests: { } q } => q,
        _ => null,
    };

    private async Task<HeldResponse> HoldAsync(HttpResponseMessage response, int status, RateLimitSnapshot? limits, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedAsync(response.Content, cancellationToken);
        var (errorType, resetsAt) = ReadError(body, time.GetUtcNow());
        var headers = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.ToArray()))
            .ToList();
        var detail = errorType is null ? $"upstream answered {status}" : $"upstream answered {status} ({errorType})";
        return new HeldResponse(status, headers, body, new AttemptReport(Classify(status), RetryAfter(limits), resetsAt, detail), errorType);
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxHeldBody];
            var n = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            return buffer[..n];
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>The error type and, for <c>usage_limit_reached</c>, when the quota resets (<c>resets_at</c> or <c>resets_in_seconds</c>).</summary>
    internal static (string? Type, DateTimeOffset? ResetsAt) ReadError(ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (!doc.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var type = error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()
                : null;
            DateTimeOffset? resets = null;
            if (error.TryGetProperty("resets_at", out var at) && at.TryGetInt64(out var unix))
            {
                resets = DateTimeOffset.FromUnixTimeSeconds(unix);
            }
            else if (error.TryGetProperty("resets_in_seconds", out var inSeconds) && inSeconds.TryGetDouble(out var s))
            {
                resets = now.AddSeconds(s);
            }

            return (type, resets);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static void SetCredential(HttpRequestHeaders headers, Account account, string credential)
    {
        // The client's gateway key never goes upstream, in whichever header it came.
        headers.Remove("Authorization");
        headers.Remove("x-api-key");
        headers.Remove("api-key");
        headers.Remove("ChatGPT-Account-Id");
        switch (account.Provider)
        {
            case ProviderKind.Anthropic:
                headers.TryAddWithoutValidation("x-api-key", credential);
                break;
            case ProviderKind.AzureOpenAI:
                headers.TryAddWithoutValidation("api-key", credential);
                break;
            default:
                headers.TryAddWithoutValidation("Authorization", "Bearer " + credential);
                break;
        }

        if (account.Organization is { } org)
        {
            headers.Remove("OpenAI-Organization");
            headers.TryAddWithoutValidation("OpenAI-Organization", org);
        }

        if (account.Project is { } project)
        {
            headers.Remove("OpenAI-Project");
            headers.TryAddWithoutValidation("OpenAI-Project", project);
        }

        foreach (var (name, value) in account.ExtraHeaders)
        {
            headers.Remove(name);
            headers.TryAddWithoutValidation(name, value);
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Flatten(HttpResponseHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                yield return new KeyValuePair<string, string>(name, value);
            }
        }
    }
}
