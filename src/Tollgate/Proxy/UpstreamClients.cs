using System.Collections.Concurrent;
using System.Net;

namespace Tollgate.Proxy;

/// <summary>
/// One <see cref="HttpMessageInvoker"/> over one <see cref="SocketsHttpHandler"/> per upstream
/// origin, shared by every request to it so connections are pooled. No redirects, cookies,
/// automatic decompression or trace headers: the request goes out as the client sent it.
/// </summary>
internal sealed class UpstreamClients : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _byBase = new(StringComparer.Ordinal);

    /// <summary>The shared invoker for a base URL's origin. Called per request, so the lookup by base is a plain string hit.</summary>
    public HttpMessageInvoker For(string baseUrl) =>
        _byBase.TryGetValue(baseUrl, out var client) ? client : _byBase.GetOrAdd(baseUrl, ForOrigin);

    private HttpMessageInvoker ForOrigin(string baseUrl) =>
        _clients.GetOrAdd(new Uri(baseUrl).GetLeftPart(UriPartial.Authority), static _ => new HttpMessageInvoker(CreateHandler(), disposeHandler: true));

    internal static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = true, // honours HTTPS_PROXY / NO_PROXY for users behind a corporate proxy
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        ActivityHeadersPropagator = null,
    };

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();
        _byBase.Clear();
    }
}
