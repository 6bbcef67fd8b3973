using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;
using Tollgate.Metering;
using Yarp.ReverseProxy.Forwarder;

namespace Tollgate.Proxy;

/// <summary>
/// YARP transformer: builds the upstream URI from the route (base + path + query, so
/// <c>/v1</c> is not doubled), copies headers as the default transformer does, and once the
/// upstream's response headers arrive, reads its rate-limit headers and picks the usage tap.
/// </summary>
internal sealed class MeteringTransformer(TimeProvider time) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var meter = httpContext.Features.GetRequiredFeature<CallMeter>();
        proxyRequest.RequestUri = new Uri(string.Concat(meter.Route.BaseUrl, meter.Route.UpstreamPath, httpContext.Request.QueryString.Value));
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is null)
        {
            return proceed;
        }

        var meter = httpContext.Features.GetRequiredFeature<CallMeter>();
        meter.RateLimits = RateLimitHeaders.Read(Flatten(proxyResponse.Headers), time.GetUtcNow());
        var content = proxyResponse.Content.Headers;
        var encoding = content.ContentEncoding.Count > 0 ? string.Join(',', content.ContentEncoding) : null;
        meter.Tap = UsageTaps.Create(meter.Route.Api, content.ContentType?.ToString(), encoding, time);
        return proceed;
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
