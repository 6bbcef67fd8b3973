using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Routing.Patterns;
using MudBlazor.Services;
using Tollgate.Api;

namespace Tollgate.Dashboard;

/// <summary>
/// Wires the web dashboard into the gateway: Blazor with interactive server rendering at
/// <c>/</c>, its hub under <c>/_blazor</c> and its static assets, all behind the same
/// <see cref="ApiGuard"/> checks as the JSON API. Everything else still reaches the forwarder.
/// </summary>
internal static class DashboardHosting
{
    /// <summary>The tab icon: a gate in the primary colour.</summary>
    public const string Icon = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3b5bdb"/><path d="M8 24V12m16 12V12M6 12h20M8 17h16" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>""";

    /// <summary>Marks the endpoints the dashboard adds, so the guard knows which are its own.</summary>
    private sealed class DashboardEndpoint;

    public static void AddTollgateDashboard(this IServiceCollection services, bool warm)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        // Circuits and antiforgery tokens live as long as the process: keys in memory write
        // nothing under the home folder, and a restart only makes an open tab reconnect.
        services.AddDataProtection();
        services.Configure<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new MemoryKeyRepository();
            o.XmlEncryptor = new NullXmlEncryptor(); // the keys never leave this process
        });
        services.AddSingleton<LiveUpdates>();
        if (warm)
        {
            services.AddHostedService<DashboardWarmup>();
        }
        services.AddScoped<DashboardEvents>();
    }

    public static void MapTollgateDashboard(this WebApplication app)
    {
        app.Use(GuardAsync);
        app.UseAntiforgery();
        app.MapStaticAssets().Add(MarkAsDashboard);
        // Browsers ask for /favicon.ico on their own; forwarded, it would reach the upstream
        // and be recorded as a call.
        app.MapGet("/favicon.ico", () => Results.Text(Icon, "image/svg+xml")).Add(MarkAsDashboard);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().Add(endpoint =>
        {
            MarkAsDashboard(endpoint);
            // Pages are read, never posted to (no forms are rendered on the server): a POST to /
            // belongs to whatever client sent it, and goes upstream like any unknown call.
            if (endpoint is RouteEndpointBuilder { RoutePattern: var pattern } && !IsHub(pattern))
            {
                endpoint.Metadata.Add(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
            }
        });
    }

    /// <summary>
    /// True when the endpoint routing chose only says "wrong method" (a GET-only page or asset
    /// asked with POST): such a request is not the dashboard's and goes upstream like any unknown path.
    /// </summary>
    public static bool IsMethodMismatch(Endpoint endpoint) => endpoint.DisplayName == "405 HTTP Method Not Supported";

    private static bool IsHub(RoutePattern pattern) => pattern.RawText?.TrimStart('/').StartsWith("_blazor", StringComparison.Ordinal) == true;

    private static void MarkAsDashboard(EndpointBuilder endpoint) => endpoint.Metadata.Add(new DashboardEndpoint());

    private static async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint() is not { } endpoint
            || (endpoint.Metadata.GetMetadata<DashboardEndpoint>() is null && !context.Request.Path.StartsWithSegments("/_blazor")))
        {
            await next(context);
            return;
        }

        var refusal = ApiGuard.Refusal(context);
        // A WebSocket upgrade is a GET, which the guard lets through from any origin; the
        // hub's socket must come from the dashboard's own page.
        if (refusal is null && context.WebSockets.IsWebSocketRequest && context.Request.Headers.Origin is [{ } origin]
            && !ApiGuard.IsOwnOrigin(origin, context.Request.Host))
        {
            refusal = ApiProblems.Forbidden($"cross-site WebSocket from {origin} refused");
        }

        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>Data protection keys held in memory only: nothing is written under the home folder.</summary>
    private sealed class MemoryKeyRepository : IXmlRepository
    {
        private readonly Lock _gate = new();
        private readonly List<XElement> _elements = [];

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            lock (_gate)
            {
                return _elements.Select(e => new XElement(e)).ToList();
            }
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            lock (_gate)
            {
                _elements.Add(new XElement(element));
            }
        }
    }
}
