using System.CommandLine;
using Microsoft.AspNetCore.Connections;
using Tollgate.Core.BodyFilters;
using Tollgate.Core.Configuration;
using Tollgate.Hosting;

namespace Tollgate.Cli;

/// <summary><c>tollgate serve</c>: runs the gateway headless until Ctrl+C or SIGTERM.</summary>
internal sealed class ServeCommand : Command
{
    private readonly Option<int?> _port = new("--port", "-p") { Description = "Port to listen on (default 8787; 0 picks a free one)" };
    private readonly Option<string?> _host = new("--host") { Description = "Loopback address to listen on (default 127.0.0.1)" };
    private readonly Option<string?> _upstream = new("--upstream") { Description = "OpenAI-style upstream base URL (default https://api.openai.com/v1)" };
    private readonly Option<string?> _anthropic = new("--anthropic-upstream") { Description = "Anthropic upstream base URL (default https://api.anthropic.com)" };
    private readonly Option<string?> _chatgpt = new("--chatgpt-upstream") { Description = "ChatGPT Codex backend base URL, for ChatGPT-login traffic" };

    public ServeCommand(Option<string?> configOption)
        : base("serve", "Run the gateway: forward, meter and record every call (no UI)")
    {
        Options.Add(_port);
        Options.Add(_host);
        Options.Add(_upstream);
        Options.Add(_anthropic);
        Options.Add(_chatgpt);
        SetAction((parse, cancellationToken) => RunAsync(parse, configOption, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parse, Option<string?> configOption, CancellationToken cancellationToken)
    {
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        var overridden = ApplyFlags(parse, config, out var flagError);
        if (overridden is null)
        {
            CliContext.Error(flagError!);
            return ExitCodes.InvalidArguments;
        }

        // The gateway keeps the last good rules when filter.json goes bad while it runs; at start there are none to keep.
        if (BodyFilterFile.Load(paths.FilterFile) is { Ok: false } filters)
        {
            CliContext.Error($"the request body filters in {paths.FilterFile} are not valid, so the gateway did not start: {string.Join("; ", filters.Errors)}");
            return ExitCodes.InvalidConfig;
        }

        overridden = await ServeBootstrap.FollowCodexAsync(paths, overridden, cancellationToken);
        if (overridden is null)
        {
            return ExitCodes.InvalidConfig;
        }

        GatewayHost.PrepareProcess(overridden);
        var (app, error) = GatewayHost.Build(new GatewaySettings(overridden, paths) { Vault = AccountsContext.VaultOptions(paths), WatchConfig = true });
        if (app is null)
        {
            CliContext.Error(error!);
            return ExitCodes.ListenRefused;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is AddressInUseException || ex.InnerException is AddressInUseException)
            {
                CliContext.Error($"{overridden.Server.Host}:{overridden.Server.Port} is already in use by another process (another tollgate?). Stop it, or pick another port with --port.");
                return ExitCodes.AddressInUse;
            }
            catch (Core.Vault.VaultException ex)
            {
                CliContext.Error($"vault: {ex.Message}");
                return ExitCodes.VaultUnavailable;
            }
            catch (ListenRefusedException ex)
            {
                CliContext.Error(ex.Message);
                return ExitCodes.ListenRefused;
            }
            catch (UnauthorizedAccessException ex)
            {
                CliContext.Error($"cannot open the data directory {paths.DataDir}: {ex.Message}");
                return ExitCodes.StorageUnavailable;
            }

            Console.Error.WriteLine($"tollgate: listening on {string.Join(", ", app.Urls)} (data in {paths.DataDir}); Ctrl+C stops");
            await app.WaitForShutdownAsync(CancellationToken.None);
        }

        return ExitCodes.Success;
    }

    private TollgateConfig? ApplyFlags(ParseResult parse, TollgateConfig config, out string? error)
    {
        error = null;
        var server = config.Server;
        var upstreams = config.Upstreams;
        if (parse.GetValue(_port) is { } port)
        {
            if (port is < 0 or > 65535)
            {
                error = $"--port must be from 0 to 65535, got {port}";
                return null;
            }

            server = server with { Port = port };
        }

        if (parse.GetValue(_host) is { } host)
        {
            server = server with { Host = host };
        }

        foreach (var (option, apply) in new (Option<string?>, Func<string, UpstreamsConfig>)[]
        {
            (_upstream, u => upstreams with { OpenAI = u, OpenAIExplicit = true }),
            (_anthropic, u => upstreams with { Anthropic = u }),
            (_chatgpt, u => upstreams with { ChatGpt = u }),
        })
        {
            if (parse.GetValue(option) is not { } url)
            {
                continue;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                error = $"{option.Name} must be an absolute http(s) URL, got '{url}'";
                return null;
            }

            upstreams = apply(url.TrimEnd('/'));
        }

        return config with { Server = server, Upstreams = upstreams };
    }
}
