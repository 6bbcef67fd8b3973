using Microsoft.AspNetCore.Server.Kestrel.Core;
using Tollgate.Core.Configuration;
using Tollgate.Core.Routing;
using Tollgate.Core.Vault;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Api;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Queries;
using Tollgate.Dashboard;
using Tollgate.Proxy;

namespace Tollgate.Hosting;

/// <summary>Builds the gateway web application: Kestrel, the usage pipeline, and the forwarding path.</summary>
internal static class GatewayHost
{
    /// <summary>Builds the app; returns an error instead when the listen address is refused.</summary>
    /// <summary>
    /// Process-wide settings a gateway process needs before its first socket exists. Only the
    /// CLI calls this: tests host the gateway in a process they share with their clients.
    /// </summary>
    public static void PrepareProcess(TollgateConfig config)
    {
        if (config.Server.InlineIo)
        {
            // Read once, when the socket engine starts: socket completions then run on the
            // epoll threads, the half of the thread-pool hops Kestrel's inline scheduling cannot remove.
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }
    }

    public static (WebApplication? App, string? Error) Build(GatewaySettings settings)
    {
        var config = settings.Config;
        var (address, error) = ListenAddress.Resolve(config.Server.Host, config.Server.AllowNonLoopback);
        if (address is null)
        {
            return (null, error);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = config.Server.MaxRequestBodyBytes;
            kestrel.Listen(address, config.Server.Port, listen => listen.Protocols = HttpProtocols.Http1); // cleartext: no h2 without TLS
        });
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = config.Server.InlineIo);
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        ConfigureLogging(builder.Logging, settings);

        var services = builder.Services;
        services.AddSingleton(settings.Time);
        services.AddSingleton(config);
        services.AddSingleton(settings.Paths);
        var prices = PriceTable.Create(config.Pricing); // the store's price edits are laid over it once the schema is migrated
        services.AddSingleton(prices);
        var database = new SqliteDatabase(settings.Paths.DatabasePath);
        services.AddSingleton(database);
        services.AddSingleton<SqliteUsageStore>(_ => new SqliteUsageStore(database));
        services.AddSingleton<IUsageStore>(sp => sp.GetRequiredService<SqliteUsageStore>());
        services.AddSingleton(sp => new PriceEditor(sp.GetRequiredService<SqliteUsageStore>(), config.Pricing, prices, settings.Time));
        services.AddSingleton(sp => new UsageQueries(sp.GetRequiredService<SqliteUsageStore>(), prices));
        services.AddSingleton(new LiveFeed(500));
        services.AddSingleton(sp => new UsageWriter(
            sp.GetRequiredService<IUsageStore>(),
            sp.GetRequiredService<PriceTable>(),
            sp.GetRequiredService<LiveFeed>(),
            config.Logging.RequestLog ? new RequestLog(settings.Paths.RequestLogPath, config.Logging.RequestLogMaxBytes, config.Logging.RequestLogFiles) : null,
            sp.GetRequiredService<ILogger<UsageWriter>>()));
        services.AddHostedService<UsagePipelineService>();
        services.AddHostedService(sp => new PriceReloader(sp.GetRequiredService<PriceEditor>(), settings.Time, sp.GetRequiredService<ILogger<PriceReloader>>()));
        services.AddSingleton(sp => new AccountRuntime(
            database,
            settings.Vault ?? new VaultKeyOptions { KeyFilePath = settings.Paths.VaultKeyPath, Passphrase = Environment.GetEnvironmentVariable("TOLLGATE_MASTER_KEY") },
            config,
            settings.Routing ?? config.Routing,
            sp.GetRequiredService<SqliteUsageStore>(),
            sp.GetRequiredService<UsageWriter>(),
            address,
            settings.Time,
            sp.GetRequiredService<ILogger<AccountRuntime>>(),
            settings.WatchConfig ? settings.Paths.ConfigFile : null,
            settings.WatchConfig ? () => ConfigLoader.Load(settings.Paths, ProcessEnvironment.Snapshot()) is { Ok: true } r ? r.Config : null : null));
        services.AddHostedService(sp => sp.GetRequiredService<AccountRuntime>());
        services.AddSingleton(sp => new QuotaPoller(config.QuotaProviders, sp.GetRequiredService<AccountRuntime>(), settings.Time, sp.GetRequiredService<ILogger<QuotaPoller>>()));
        services.AddHostedService(sp => sp.GetRequiredService<QuotaPoller>());
        services.AddSingleton(sp => new CodexLogService(
            database,
            sp.GetRequiredService<SqliteUsageStore>(),
            sp.GetRequiredService<PriceTable>(),
            settings.Paths,
            config,
            settings.Time,
            sp.GetRequiredService<ILogger<CodexLogService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<CodexLogService>());
        services.AddHttpForwarder();
        services.AddSingleton(new UpstreamRouter(config.Upstreams));
        services.AddSingleton<UpstreamClients>();
        services.AddSingleton<MeteringTransformer>();
        services.AddSingleton(sp => new BodyFilterWatcher(settings.Paths.FilterFile, settings.Time, sp.GetRequiredService<ILogger<BodyFilterWatcher>>()));
        services.AddHostedService(sp => sp.GetRequiredService<BodyFilterWatcher>());
        services.AddSingleton<WebSocketRelay>();
        if (config.Logging.BodyLog is { } bodyLog)
        {
            services.AddSingleton(sp => new BodyLog(Path.Combine(settings.Paths.LogsDir, bodyLog), settings.Time, sp.GetRequiredService<ILogger<BodyLog>>()));
            services.AddHostedService(sp => sp.GetRequiredService<BodyLog>());
        }

        services.AddSingleton<GatewayProxy>();
        if (settings.Dashboard)
        {
            // Blazor's scripts and MudBlazor's files are static web assets: outside a published
            // folder they are found through the build's manifest, which only Development reads unasked.
            builder.WebHost.UseStaticWebAssets();
            services.AddTollgateDashboard(settings.WarmDashboard);
        }

        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/_tollgate/health", () => Results.Json(new { status = "ok" }));
        var accountEndpoints = app.MapGroup("/_tollgate/accounts").AddEndpointFilter(ApiGuard.FilterAsync);
        accountEndpoints.MapGet("", (AccountRuntime accounts) => Results.Json(accounts.Router.Snapshot().Select(x => new
        {
            id = x.Account.Id,
            name = x.Account.Name,
            state = HealthNames.Of(x.Health.State),
            until = x.Health.Until,
            reason = x.Health.Reason,
            utilization = x.Health.Utilization,
            lastMoveAt = x.Health.LastMoveAt,
        })));
        accountEndpoints.MapPost("/refresh", async (QuotaPoller quotas, CancellationToken cancellationToken) =>
            Results.Json((await quotas.RefreshNowAsync(cancellationToken)).Select(r => new
            {
                account = r.Account,
                provider = r.Provider,
                known = r.Reading is not null,
                budget = r.Reading?.Budget,
                spent = r.Reading?.Spent,
                share = r.Reading?.Share,
                resetsAt = r.Reading?.ResetsAt,
            })));
        app.MapTollgateApi();
        if (settings.Dashboard)
        {
            app.MapTollgateDashboard();
        }

        var proxy = app.Services.GetRequiredService<GatewayProxy>();
        var bodies = app.Services.GetService<BodyLog>();
        app.Use(async (context, next) =>
        {
            // Tollgate's own endpoints win; everything else is forwarded, unknown paths included,
            // and so is a method a dashboard page or asset does not take (POST /: not the page's).
            if (context.GetEndpoint() is { } endpoint
                && !(DashboardHosting.IsMethodMismatch(endpoint) && !context.Request.Path.StartsWithSegments("/_tollgate")))
            {
                await next(context);
                return;
            }

            await (bodies is null ? proxy.HandleAsync(context) : bodies.HandleAsync(context, proxy.HandleAsync));
        });
        return (app, null);
    }

    private static void ConfigureLogging(ILoggingBuilder logging, GatewaySettings settings)
    {
        logging.ClearProviders();
        var level = settings.Config.Logging.Level switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "critical" => LogLevel.Critical,
            "none" => LogLevel.None,
            _ => LogLevel.Information,
        };
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        logging.AddFilter("Yarp", LogLevel.Error); // the proxy logs its own one-line summary of forwarding errors
        if (settings.LogFile is { } logFile)
        {
            // Made by the container, so the container disposes it (and closes the file) when the gateway stops.
            logging.Services.AddSingleton<ILoggerProvider>(_ => new FileLoggerProvider(logFile, settings.Time));
        }

        if (settings.ConsoleLogging)
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.ColorBehavior = Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 }
                    ? Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled
                    : Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Default;
            });
        }
    }
}
