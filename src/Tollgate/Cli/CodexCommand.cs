using System.CommandLine;
using System.Runtime.Versioning;
using Tollgate.Core.CodexSetup;

namespace Tollgate.Cli;

/// <summary><c>tollgate codex on|off|status</c>: puts the Codex CLI behind the gateway and back (see <see cref="CodexConfigSwitch"/>).</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class CodexCommand : Command
{
    private const string Restart = "Restart running Codex sessions: Codex reads config.toml when it starts.";

    public CodexCommand(Option<string?> configOption)
        : base("codex", "Send the Codex CLI through Tollgate, or back: edits one key of $CODEX_HOME/config.toml")
    {
        var home = new Option<string?>("--home") { Description = "The Codex home (default $CODEX_HOME, else ~/.codex)" };
        var port = new Option<int?>("--port") { Description = "The gateway's port (default: the configured one, 8787)" };

        var on = new Command("on", "Point Codex at the gateway (saves the original config first)") { home, port };
        on.SetAction((parse, ct) => Run(parse, configOption, home, async (toggle, config) =>
        {
            var gateway = $"http://127.0.0.1:{parse.GetValue(port) ?? config.Server.Port}";
            var result = toggle.On(gateway + "/v1");
            Console.WriteLine(result.Message);
            await ClientSwitchCli.WarnIfNoGatewayAsync(gateway, gateway + "/v1", "Codex", ct);
            if (result.Changed)
            {
                Console.WriteLine(Restart);
            }

            return ExitCodes.Success;
        }));

        var off = new Command("off", "Restore the config as it was before 'on' (keeping later edits)") { home };
        off.SetAction((parse, ct) => Run(parse, configOption, home, (toggle, _) =>
        {
            Console.WriteLine(toggle.Off().Message);
            Console.WriteLine(Restart);
            return Task.FromResult(ExitCodes.Success);
        }));

        Subcommands.Add(on);
        Subcommands.Add(off);
        Subcommands.Add(ClientSwitchCli.StatusCommand<CodexConfigSwitch>(
            "Codex", home, (parse, body) => Run(parse, configOption, home, (toggle, _) => body(toggle)), toggle => (toggle.Status(), toggle.ConfigPath)));
    }

    private static Task<int> Run(
        ParseResult parse, Option<string?> configOption, Option<string?> home, Func<CodexConfigSwitch, Core.Configuration.TollgateConfig, Task<int>> action) =>
        ClientSwitchCli.RunAsync(parse, configOption, home, paths => paths.CodexHome, "the Codex config", (dir, _, config) => action(new CodexConfigSwitch(dir), config));
}
