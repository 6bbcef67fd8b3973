using System.CommandLine;
using Microsoft.AspNetCore.Connections;
using Tollgate.Core.BodyFilters;
using Tollgate.Hosting;

namespace Tollgate.Cli;

/// <summary>
/// Starting a gateway from the command line, shared by <c>serve</c>, <c>tui</c> and <c>dashboard</c>:
/// config and flags, the filter check, following Codex's setup, then Kestrel. Every failure is
/// printed once and mapped to its exit code.
/// </summary>
internal static class GatewayLaunch
{
    /// <summary>A started gateway, or the exit code to return when it could not start.</summary>
    public sealed record Result(WebApplication? App, GatewaySettings? Settings, int ExitCode);

    /// <param name="adjust">Changes the settings before the gateway is built (a TUI sends logs to a file, say).</param>
    public static async Task<Result> StartAsync(
        ParseResult parse,
        Option<string?> configOption,
        GatewayFlags flags,
        Func<GatewaySettings, GatewaySettings>? adjust,
        CancellationToken cancellationToken)
    {
        JitProfile.Start(parse.CommandResult.Command); // first: the profile covers the whole start
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return new(null, null, ExitCodes.InvalidConfig);
        }

        var overridden = flags.Apply(parse, config, out var flagError);
        if (overridden is null)
        {
            CliContext.Error(flagError!);
            return new(null, null, ExitCodes.InvalidArguments);
        }

        // The gateway keeps the last good rules when filter.json goes bad while it runs; at start there are none to keep.
        if (BodyFilterFile.Load(paths.FilterFile) is { Ok: false } filters)
        {
            CliContext.Error($"the request body filters in {paths.FilterFile} are not valid, so the gateway did not start: {string.Join("; ", filters.Errors)}");
            return new(null, null, ExitCodes.InvalidConfig);
        }

        overridden = await ServeBootstrap.FollowCodexAsync(paths, overridden, cancellationToken);
        if (overridden is null)
        {
            return new(null, null, ExitCodes.InvalidConfig);
        }

        GatewayHost.PrepareProcess(overridden);
        var settings = new GatewaySettings(overridden, paths) { Vault = AccountsContext.VaultOptions(paths), WatchConfig = true, Dashboard = overridden.Server.Dashboard };
        settings = adjust?.Invoke(settings) ?? settings;
        var (app, error) = GatewayHost.Build(settings);
        if (app is null)
        {
            CliContext.Error(error!);
            return new(null, null, ExitCodes.ListenRefused);
        }

        var exitCode = ExitCodes.Success;
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is AddressInUseException || ex.InnerException is AddressInUseException)
        {
            CliContext.Error($"{overridden.Server.Host}:{overridden.Server.Port} is already in use by another process (another tollgate?). Stop it, or pick another port with --port.");
            exitCode = ExitCodes.AddressInUse;
        }
        catch (Core.Vault.VaultException ex)
        {
            CliContext.Error($"vault: {ex.Message}");
            exitCode = ExitCodes.VaultUnavailable;
        }
        catch (ListenRefusedException ex)
        {
            CliContext.Error(ex.Message);
            exitCode = ExitCodes.ListenRefused;
        }
        catch (UnauthorizedAccessException ex)
        {
            CliContext.Error($"cannot open the data directory {paths.DataDir}: {ex.Message}");
            exitCode = ExitCodes.StorageUnavailable;
        }

        if (exitCode != ExitCodes.Success)
        {
            await app.DisposeAsync();
            return new(null, null, exitCode);
        }

        return new(app, settings, ExitCodes.Success);
    }
}
