using Spectre.Console;
using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;

namespace Tollgate.Cli;

/// <summary>Loads paths and configuration for a command and reports config errors the same way for all.</summary>
internal static class CliContext
{
    public static IReadOnlyDictionary<string, string> Environment() => ProcessEnvironment.Snapshot();

    /// <summary>Returns the config, or null after printing every problem to stderr.</summary>
    public static (AppPaths Paths, TollgateConfig? Config) Load(string? configOverride)
    {
        var paths = AppPaths.FromProcess(configOverride);
        var result = ConfigLoader.Load(paths, Environment());
        if (!result.Ok)
        {
            foreach (var error in result.Errors)
            {
                Error(error);
            }

            Error($"fix the configuration ({paths.ConfigFile}) and try again");
        }

        return (paths, result.Config);
    }

    /// <summary>Where a gateway running with this config answers (its own endpoints live under <c>/_tollgate</c>).</summary>
    public static string GatewayUrl(TollgateConfig config)
    {
        var host = config.Server.Host is "0.0.0.0" or "::" ? "127.0.0.1" : config.Server.Host;
        return $"http://{(host.Contains(':') ? $"[{host}]" : host)}:{config.Server.Port}";
    }

    /// <summary>The usage store, its schema brought up to date; null after printing why it cannot be used.</summary>
    public static async Task<SqliteUsageStore?> OpenStoreAsync(string databasePath, CancellationToken cancellationToken)
    {
        var store = new SqliteUsageStore(databasePath);
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Error($"cannot open the usage database {databasePath}: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// Starts opening the store on another thread, for a command to load its config meanwhile:
    /// the store's path does not depend on the config, and opening it (SQLite's first use, the
    /// schema on a first run) is the slower of the two.
    /// </summary>
    public static Task<SqliteUsageStore?> OpenStoreInBackground(string? configOverride, CancellationToken cancellationToken) =>
        Task.Run(() => OpenStoreAsync(AppPaths.FromProcess(configOverride).DatabasePath, cancellationToken), cancellationToken);

    public static void Error(string message)
    {
        if (Console.IsErrorRedirected)
        {
            // A log or a script reads this: one line, not wrapped at 80 columns.
            Console.Error.WriteLine($"error: {message}");
            return;
        }

        var stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        stderr.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    }
}
