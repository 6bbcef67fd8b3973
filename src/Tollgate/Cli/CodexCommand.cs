using System.CommandLine;
using System.Runtime.Versioning;
using System.Text.Json;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.CodexSetup;

namespace Tollgate.Cli;

/// <summary><c>tollgate codex on|off|status</c>: puts the Codex CLI behind the gateway and back (see <see cref="CodexConfigSwitch"/>).</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class CodexCommand : Command
{
    public CodexCommand(Option<string?> configOption)
        : base("codex", "Send the Codex CLI through Tollgate, or back: edits one key of $CODEX_HOME/config.toml")
    {
        var home = new Option<string?>("--home") { Description = "The Codex home (default $CODEX_HOME, else ~/.codex)" };
        var port = new Option<int?>("--port") { Description = "The gateway's port (default: the configured one, 8787)" };

        var on = new Command("on", "Point Codex at the gateway (saves the original config first)") { home, port };
        on.SetAction((parse, ct) => Run(parse, configOption, home, async (toggle, config) =>
        {
            var url = $"http://127.0.0.1:{parse.GetValue(port) ?? config.Server.Port}/v1";
            var result = toggle.On(url);
            Console.WriteLine(result.Message);
            if (!await AnswersAsync(url, ct))
            {
                Console.Error.WriteLine($"warning: nothing answers at {url} yet: start the gateway with 'tollgate serve' before using Codex");
            }

            if (result.Changed)
            {
                Console.WriteLine("Restart running Codex sessions: Codex reads config.toml when it starts.");
            }

            return ExitCodes.Success;
        }));

        var off = new Command("off", "Restore the config as it was before 'on' (keeping later edits)") { home };
        off.SetAction((parse, ct) => Run(parse, configOption, home, (toggle, _) =>
        {
            Console.WriteLine(toggle.Off().Message);
            Console.WriteLine("Restart running Codex sessions: Codex reads config.toml when it starts.");
            return Task.FromResult(ExitCodes.Success);
        }));

        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var status = new Command("status", "Whether Codex goes through Tollgate") { home, json };
        status.SetAction((parse, ct) => Run(parse, configOption, home, (toggle, _) =>
        {
            var result = toggle.Status();
            Console.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(new Dictionary<string, string> { ["state"] = result.State.ToString().ToLowerInvariant(), ["config"] = toggle.ConfigPath, ["message"] = result.Message })
                : result.Message);
            return Task.FromResult(ExitCodes.Success);
        }));

        Subcommands.Add(on);
        Subcommands.Add(off);
        Subcommands.Add(status);
    }

    private static async Task<int> Run(
        ParseResult parse, Option<string?> configOption, Option<string?> home, Func<CodexConfigSwitch, Core.Configuration.TollgateConfig, Task<int>> action)
    {
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        var dir = parse.GetValue(home) is { } given ? CodexHomes.Normalize(given) : paths.CodexHome;
        try
        {
            return await action(new CodexConfigSwitch(dir), config);
        }
        catch (CodexSwitchException e)
        {
            CliContext.Error(e.Message);
            return e.NothingThere ? ExitCodes.NotFound : ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CliContext.Error($"cannot change the Codex config in {dir}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Whether a Tollgate gateway answers at that base URL (its health endpoint, within a second).</summary>
    private static async Task<bool> AnswersAsync(string baseUrl, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        try
        {
            using var response = await http.GetAsync(baseUrl[..^"/v1".Length] + "/_tollgate/health", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
