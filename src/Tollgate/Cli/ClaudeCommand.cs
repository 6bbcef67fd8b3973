using System.CommandLine;
using System.Net;
using System.Runtime.Versioning;
using Tollgate.Core.ClaudeSetup;
using Tollgate.Core.Configuration;
using Tollgate.Hosting;

namespace Tollgate.Cli;

/// <summary>
/// <c>tollgate claude on|off|status</c> (experimental): puts Claude Code behind the gateway and
/// back (see <see cref="ClaudeSettingsSwitch"/>). When the gateway requires client keys, <c>on</c>
/// creates one for Claude Code and <c>off</c> revokes it; the key is never printed.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class ClaudeCommand : Command
{
    private const string KeyName = "claude-code";
    private const string Restart = "Restart running Claude Code sessions: they keep the settings they started with.";

    public ClaudeCommand(Option<string?> configOption)
        : base("claude", "Send Claude Code through Tollgate, or back (experimental): edits env in ~/.claude/settings.json")
    {
        var home = new Option<string?>("--home") { Description = "Claude Code's config folder (default $CLAUDE_CONFIG_DIR, else ~/.claude)" };
        var port = new Option<int?>("--port") { Description = "The gateway's port (default: the configured one, 8787)" };

        var on = new Command("on", "Point Claude Code at the gateway (saves the original settings first)") { home, port };
        on.SetAction((parse, ct) => Run(parse, configOption, home, async (toggle, paths, config) =>
        {
            var gateway = $"http://127.0.0.1:{parse.GetValue(port) ?? config.Server.Port}"; // no /v1: Claude Code appends /v1/messages
            var issue = await ClientKeysRequiredAsync(paths, config, ct) ? (Func<CancellationToken, Task<IssuedClientKey>>)(c => IssueKeyAsync(paths, c)) : null;
            var result = await toggle.OnAsync(gateway, issue, ct);
            Console.WriteLine(result.Message);
            if (result.Warning is { } warning)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }

            await ClientSwitchCli.WarnIfNoGatewayAsync(gateway, gateway, "Claude Code", ct);
            if (result.Changed)
            {
                Console.WriteLine(Restart);
            }

            return ExitCodes.Success;
        }));

        var off = new Command("off", "Restore the settings as they were before 'on' (keeping later edits); revokes the client key 'on' created") { home };
        off.SetAction((parse, ct) => Run(parse, configOption, home, async (toggle, paths, _) =>
        {
            var result = toggle.Off();
            Console.WriteLine(result.Message);
            if (result.ClientKeyId is { } id)
            {
                var context = await AccountsContext.OpenAsync(paths, ct);
                if (await context.Keys.RevokeAsync(id.ToString(), ct))
                {
                    Console.WriteLine($"Revoked the client key '{result.ClientKeyName}'.");
                }
            }

            Console.WriteLine(Restart);
            return ExitCodes.Success;
        }));

        Subcommands.Add(on);
        Subcommands.Add(off);
        Subcommands.Add(ClientSwitchCli.StatusCommand<ClaudeSettingsSwitch>(
            "Claude Code", home, (parse, body) => Run(parse, configOption, home, (toggle, _, _) => body(toggle)), toggle => (toggle.Status(), toggle.SettingsPath)));
    }

    private static Task<int> Run(
        ParseResult parse, Option<string?> configOption, Option<string?> home, Func<ClaudeSettingsSwitch, AppPaths, TollgateConfig, Task<int>> action) =>
        ClientSwitchCli.RunAsync(parse, configOption, home, paths => paths.ClaudeConfigDir, "Claude Code's settings", (dir, paths, config) => action(new ClaudeSettingsSwitch(dir), paths, config));

    /// <summary>
    /// Whether the gateway will ask Claude Code for a client key: the same rule as
    /// <see cref="AccountRuntime.RequireClientKeys"/> (accounts in the database or the config
    /// file, or a listen address beyond loopback). A database that does not exist holds no accounts.
    /// </summary>
    private static async Task<bool> ClientKeysRequiredAsync(AppPaths paths, TollgateConfig config, CancellationToken cancellationToken)
    {
        return config.Accounts.Count > 0
            || ListenAddress.Resolve(config.Server.Host, allowNonLoopback: true).Address is { } address && !IPAddress.IsLoopback(address)
            || await AccountsContext.HasStoredAccountsAsync(paths, cancellationToken);
    }

    /// <summary>A new client key named <c>claude-code</c> (or <c>claude-code-2</c>, … when an active key has that name), made as <c>tollgate keys create</c> makes them.</summary>
    private static async Task<IssuedClientKey> IssueKeyAsync(AppPaths paths, CancellationToken cancellationToken)
    {
        var context = await AccountsContext.OpenAsync(paths, cancellationToken);
        var taken = (await context.Keys.ListAsync(includeRevoked: false, cancellationToken)).Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
        var name = KeyName;
        for (var n = 2; taken.Contains(name); n++)
        {
            name = $"{KeyName}-{n}";
        }

        var (key, secret) = await context.Keys.CreateAsync(name, pool: null, cancellationToken);
        return new IssuedClientKey(key.Id, key.Name, secret);
    }
}
