using Tollgate.Core.Configuration;
using Tollgate.Core.Usage;

namespace Tollgate.Proxy;

/// <summary>Where one request goes: its service, the upstream base, and the path appended to it.</summary>
internal sealed record UpstreamRoute(string Service, string BaseUrl, string UpstreamPath, ApiKind Api)
{
    public bool IsAnthropic => Service == Services.Anthropic;
}

/// <summary>Service names as stored in records.</summary>
internal static class Services
{
    public const string OpenAI = "openai";
    public const string ChatGpt = "chatgpt";
    public const string Anthropic = "anthropic";
}

/// <summary>
/// Maps a client request to its upstream (pass-through mode):
/// <list type="bullet">
/// <item><c>/v1/messages*</c>, or any request with an <c>anthropic-version</c> header → the Anthropic base + the path as sent;</item>
/// <item>a request carrying a ChatGPT login (a <c>ChatGPT-Account-Id</c> header, or a JWT bearer token) → the ChatGPT Codex backend;</item>
/// <item>everything else → the OpenAI-style base. The base carries its version (<c>…/v1</c>), so a leading
/// <c>/v1</c> on the client's path is dropped: <c>/v1/responses</c> and <c>/responses</c> both reach <c>{base}/responses</c>.</item>
/// </list>
/// </summary>
internal sealed class UpstreamRouter(UpstreamsConfig upstreams)
{
    public UpstreamRoute Resolve(HttpRequest request)
    {
        var path = request.Path.Value ?? "/";
        var api = ApiKinds.FromPath(path);
        if (api is ApiKind.AnthropicMessages or ApiKind.AnthropicCountTokens || request.Headers.ContainsKey("anthropic-version"))
        {
            return new UpstreamRoute(Services.Anthropic, upstreams.Anthropic, path, api);
        }

        var relative = StripVersion(path);
        return IsChatGptLogin(request)
            ? new UpstreamRoute(Services.ChatGpt, upstreams.ChatGpt, relative, api)
            : new UpstreamRoute(Services.OpenAI, upstreams.OpenAI, relative, api);
    }

    private static string StripVersion(string path) =>
        path.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase) ? path[3..]
        : path.Equals("/v1", StringComparison.OrdinalIgnoreCase) ? "/"
        : path;

    /// <summary>ChatGPT logins send an access token that is a JWT, usually with a ChatGPT-Account-Id header; API keys are never JWTs.</summary>
    internal static bool IsChatGptLogin(HttpRequest request)
    {
        if (request.Headers.ContainsKey("ChatGPT-Account-Id"))
        {
            return true;
        }

        var auth = request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = auth.AsSpan(7).Trim();
        return token.StartsWith("eyJ", StringComparison.Ordinal) && token.Count('.') == 2;
    }
}
