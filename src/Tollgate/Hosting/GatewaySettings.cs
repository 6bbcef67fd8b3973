using Tollgate.Core.Configuration;

namespace Tollgate.Hosting;

/// <summary>Everything needed to start a gateway: validated config, paths, and the clock.</summary>
internal sealed record GatewaySettings(TollgateConfig Config, AppPaths Paths)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>When false, logs go nowhere on the console (tests, or when a TUI owns the terminal).</summary>
    public bool ConsoleLogging { get; init; } = true;

    /// <summary>A file every log entry is appended to as well (the terminal UI sends logs there; null: none).</summary>
    public string? LogFile { get; init; }

    /// <summary>Where the vault key comes from; default: <c>TOLLGATE_MASTER_KEY</c> or <c>vault.key</c>, no prompt.</summary>
    public Core.Vault.VaultKeyOptions? Vault { get; init; }

    /// <summary>Re-read accounts and pool settings from the config file when it changes (serve does; tests mostly do not).</summary>
    public bool WatchConfig { get; init; }

    /// <summary>Serve the web dashboard at <c>/</c> (serve and dashboard do; most tests need not pay its start-up).</summary>
    public bool Dashboard { get; init; }

    /// <summary>
    /// Runs the dashboard's first request once the gateway listens (<see cref="Tollgate.Dashboard.DashboardWarmup"/>):
    /// for <c>tollgate dashboard</c>, whose browser is on its way; a plain <c>serve</c> keeps the
    /// 10 MiB it costs until someone visits.
    /// </summary>
    public bool WarmDashboard { get; init; }

    /// <summary>Routing and health settings; default: the config's <c>[routing]</c> and <c>[pools]</c>.</summary>
    public Core.Routing.RoutingOptions? Routing { get; init; }
}
