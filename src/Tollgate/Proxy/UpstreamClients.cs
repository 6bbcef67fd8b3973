using System.Collections.Concurrent;
using System.Diagnostics;
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

    public HttpMessageInvoker For(string baseUrl)
    {
        var origin = new Uri(baseUrl).GetLeftPart(UriPartial.Authority);
        return _clients.GetOrAdd(origin, static _ => new HttpMessageInvoker(CreateHandler(), disposeHandler: true));
    }

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
    }
}

/// <summary>Elapsed-time helper over <see cref="Stopwatch"/> timestamps.</summary>
internal static class Elapsed
{
    public static double Ms(long start, long end) => (end - start) * 1000.0 / Stopwatch.Frequency;
}
