using System.CommandLine;
using Tollgate.Core.Configuration;

namespace Tollgate.Cli;

/// <summary>The flags of every command that starts a gateway (<c>serve</c>, <c>tui</c>, <c>dashboard</c>), laid over the config.</summary>
internal sealed class GatewayFlags
{
    private readonly Option<int?> _port = new("--port", "-p") { Description = "Port to listen on (default 8787; 0 picks a free one)" };
    private readonly Option<string?> _host = new("--host") { Description = "Loopback address to listen on (default 127.0.0.1)" };
    private readonly Option<string?> _upstream = new("--upstream") { Description = "OpenAI-style upstream base URL (default https://api.openai.com/v1)" };
    private readonly Option<string?> _anthropic = new("--anthropic-upstream") { Description = "Anthropic upstream base URL (default https://api.anthropic.com)" };
    private readonly Option<string?> _chatgpt = new("--chatgpt-upstream") { Description = "ChatGPT Codex backend base URL, for ChatGPT-login traffic" };

    public void AddTo(Command command)
    {
        command.Options.Add(_port);
        command.Options.Add(_host);
        command.Options.Add(_upstream);
        command.Options.Add(_anthropic);
        command.Options.Add(_chatgpt);
    }

    /// <summary>The config with the flags given on the command line laid over it, or null and the reason.</summary>
    public TollgateConfig? Apply(ParseResult parse, TollgateConfig config, out string? error)
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
