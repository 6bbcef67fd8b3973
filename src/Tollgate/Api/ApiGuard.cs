using System.Net;
using Tollgate.Hosting;
using Tollgate.Proxy;

namespace Tollgate.Api;

/// <summary>
/// Who may use Tollgate's own endpoints (the JSON API, the dashboard, account state). They
/// belong to this machine's user: a request must name this gateway in <c>Host</c> (a web page
/// the user visits cannot reach them through DNS rebinding), a state-changing request from a
/// browser must come from the gateway's own origin (no cross-site requests, and no CORS
/// headers are ever sent), and a request from beyond loopback needs a client key.
/// </summary>
internal static class ApiGuard
{
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        Refusal(context.HttpContext) ?? await next(context);

    /// <summary>The problem that refuses the request, or null when it may go on.</summary>
    public static IResult? Refusal(HttpContext http)
    {
        var request = http.Request;
        var local = http.Connection.LocalPort;
        if (!IsOwnHost(request.Host, local, http.Connection.LocalIpAddress))
        {
            return ApiProblems.Forbidden($"the Host header '{request.Host}' does not name this gateway (use http://127.0.0.1:{local})");
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            if (request.Headers.Origin is [{ } origin] && !IsOwnOrigin(origin, request.Host))
            {
                return ApiProblems.Forbidden($"cross-site request from {origin} refused");
            }

            if (request.Headers["Sec-Fetch-Site"] is [{ } site] && site is not ("same-origin" or "none"))
            {
                return ApiProblems.Forbidden("cross-site request refused");
            }
        }

        if (http.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote)
            && http.RequestServices.GetRequiredService<AccountRuntime>().Authenticate(GatewayProxy.PresentedKey(request)) is null)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "A client key is required",
                detail: "requests from beyond this machine need a Tollgate client key (Authorization: Bearer …)",
                extensions: new Dictionary<string, object?> { ["code"] = GatewayErrors.InvalidClientKey });
        }

        return null;
    }

    private static bool IsOwnHost(HostString host, int port, IPAddress? localAddress)
    {
        if (!host.HasValue || (host.Port is { } p && p != port) || (host.Port is null && port != 80))
        {
            return false;
        }

        var name = host.Host.Trim('[', ']');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var address) && (IPAddress.IsLoopback(address) || address.Equals(localAddress)));
    }

    public static bool IsOwnOrigin(string origin, HostString host) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
        && string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase);
}
