using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Tollgate.Dashboard;

/// <summary>
/// Asks the gateway for its own page shell over loopback once it listens, off the request path.
/// Without it the first visit after a start waited 0.4–0.8 s for that shell alone (the Razor
/// component endpoint's first request), before the browser could even ask for the scripts; a
/// browser opened at the same moment profits from whatever is done by the time it asks. Only
/// <c>tollgate dashboard</c> runs it (a browser is on its way); in a plain <c>serve</c> the
/// 10 MiB it costs would sit there until someone visits.
/// (Reading the store the way the Overview does, as well, made no difference that could be measured.)
/// </summary>
internal sealed partial class DashboardWarmup(IServer server, IHostApplicationLifetime lifetime, ILogger<DashboardWarmup> logger) : IHostedService
{
    /// <summary>The warm-up under way (done when the gateway has not started yet or it has finished).</summary>
    public Task Warming { get; private set; } = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => Warming = Task.Run(() => WarmAsync(lifetime.ApplicationStopping), CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <summary>The shell's status code once the warm-up has asked for it.</summary>
    public int? ShellStatus { get; private set; }

    public Task StopAsync(CancellationToken cancellationToken) => Warming.WaitAsync(cancellationToken);

    private async Task WarmAsync(CancellationToken stopping)
    {
        try
        {
            if (OwnAddress() is { } address)
            {
                using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
                using var shell = await http.GetAsync("/", HttpCompletionOption.ResponseContentRead, stopping);
                ShellStatus = (int)shell.StatusCode;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            LogWarmupFailed(logger, ex); // the first visit does the same work itself
        }
    }

    private Uri? OwnAddress() => server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } first ? LoopbackUrl(first) : null;

    /// <summary>A listening address as a URL this machine can ask: a wildcard bind (<c>+</c>, <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>) becomes 127.0.0.1.</summary>
    public static Uri? LoopbackUrl(string address)
    {
        var named = address.Replace("://+:", "://127.0.0.1:", StringComparison.Ordinal).Replace("://*:", "://127.0.0.1:", StringComparison.Ordinal);
        if (!Uri.TryCreate(named, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var wildcard = IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));
        return wildcard ? new UriBuilder(uri) { Host = "127.0.0.1" }.Uri : uri;
    }

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "The dashboard warm-up did not finish; the first visit does that work instead")]
    private static partial void LogWarmupFailed(ILogger logger, Exception exception);
}
