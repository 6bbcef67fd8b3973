using System.CommandLine;
using System.Runtime.Versioning;
using System.Text.Json;
using Tollgate.Core.Accounts;
using Tollgate.Core.ClientSetup;
using Tollgate.Core.Configuration;

namespace Tollgate.Cli;

/// <summary>What <c>tollgate codex</c> and <c>tollgate claude</c> share: loading the config, turning a switch's errors into exit codes, the gateway check, the status output.</summary>
[UnsupportedOSPlatform("windows")]
internal static class ClientSwitchCli
{
    /// <summary>Runs a switch subcommand on the folder given with <c>--home</c>, else <paramref name="defaultDir"/>.</summary>
    /// <param name="what">The file, for I/O errors ("the Codex config").</param>
    public static async Task<int> RunAsync(
        ParseResult parse,
        Option<string?> configOption,
        Option<string?> home,
        Func<AppPaths, string> defaultDir,
        string what,
        Func<string, AppPaths, TollgateConfig, Task<int>> action)
    {
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        var dir = parse.GetValue(home) is { } given ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(given)) : defaultDir(paths);
        try
        {
            return await action(dir, paths, config);
        }
        catch (ClientSwitchException e)
        {
            CliContext.Error(e.Message);
            return e.NothingThere ? ExitCodes.NotFound : ExitCodes.Failure;
        }
        catch (AccountException e)
        {
            CliContext.Error(e.Message);
            return ExitCodes.Failure;
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            CliContext.Error($"cannot use the database: {e.Message}");
            return ExitCodes.StorageUnavailable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CliContext.Error($"cannot change {what} in {dir}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// Warns on stderr when no Tollgate gateway answers at <paramref name="gateway"/> (its health
    /// endpoint). Nothing listening is known at once (the connection is refused); the 5 s are for
    /// a gateway that is there but busy, which must not be reported missing.
    /// </summary>
    /// <param name="shown">The URL as the client was given it.</param>
    public static async Task WarnIfNoGatewayAsync(string gateway, string shown, string client, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(gateway + "/_tollgate/health", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // nothing listens, or it does not answer: the warning below
        }

        Console.Error.WriteLine($"warning: nothing answers at {shown} yet: start the gateway with 'tollgate serve' before using {client}");
    }

    /// <summary>The <c>status [--json]</c> subcommand of a switch command.</summary>
    /// <param name="run">Runs a body with the switch (the command's own error handling around it).</param>
    public static Command StatusCommand<TSwitch>(
        string client, Option<string?> home, Func<ParseResult, Func<TSwitch, Task<int>>, Task<int>> run, Func<TSwitch, (ClientSwitchResult Result, string Path)> status)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("status", $"Whether {client} goes through Tollgate") { home, json };
        command.SetAction((parse, _) => run(parse, toggle =>
        {
            var (result, path) = status(toggle);
            PrintStatus(result, path, parse.GetValue(json));
            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static void PrintStatus(ClientSwitchResult result, string path, bool json)
    {
        if (!json)
        {
            Console.WriteLine(result.Message + (result.ClientKeyName is { } key ? $" (client key '{key}')" : ""));
            return;
        }

        var fields = new Dictionary<string, string> { ["state"] = result.State.ToString().ToLowerInvariant(), ["config"] = path, ["message"] = result.Message };
        if (result.ClientKeyName is { } name)
        {
            fields["clientKey"] = name;
        }

        Console.WriteLine(JsonSerializer.Serialize(fields));
    }
}
