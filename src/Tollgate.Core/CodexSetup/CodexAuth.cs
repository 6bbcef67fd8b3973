using System.Text.Json;
using Tollgate.Core.ClientSetup;

namespace Tollgate.Core.CodexSetup;

/// <summary>How Codex authenticates, from <c>auth.json</c> or its environment.</summary>
public enum CodexLogin
{
    None,
    ApiKey,
    ChatGpt,
}

/// <summary>What <c>auth.json</c> says: which login it holds, and the key when that is an API key.</summary>
public sealed record CodexAuthFile(string Path, CodexLogin Login, string? ApiKey);

/// <summary>
/// What Codex's <c>auth.json</c> holds: <c>{"auth_mode": "apikey"|"chatgpt", "OPENAI_API_KEY": …,
/// "tokens": {…}}</c> (FACTS §1). Only an API key is ever taken from it: ChatGPT login tokens
/// stay with Codex.
/// </summary>
public static class CodexAuth
{
    /// <summary>The login in <c>$CODEX_HOME/auth.json</c>; null when there is no such file.</summary>
    /// <exception cref="JsonException">The file is not JSON.</exception>
    public static CodexAuthFile? Read(string codexHome)
    {
        var path = Path.Combine(codexHome, "auth.json");
        if (!File.Exists(path))
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new CodexAuthFile(path, CodexLogin.None, null);
        }

        if (root.TryGetProperty("OPENAI_API_KEY", out var key) && key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } value)
        {
            return new CodexAuthFile(path, CodexLogin.ApiKey, value.Trim());
        }

        var chatGpt = (root.TryGetProperty("tokens", out var tokens) && tokens.ValueKind == JsonValueKind.Object
                && tokens.TryGetProperty("access_token", out var access) && access.ValueKind == JsonValueKind.String)
            || (root.TryGetProperty("auth_mode", out var mode) && mode.ValueKind == JsonValueKind.String && mode.GetString() == "chatgpt");
        return new CodexAuthFile(path, chatGpt ? CodexLogin.ChatGpt : CodexLogin.None, null);
    }

    /// <summary>The API key in <c>$CODEX_HOME/auth.json</c>.</summary>
    /// <exception cref="ClientSwitchException">No auth.json, not JSON, or no API key in it (with what to do instead).</exception>
    public static string ReadApiKey(string codexHome)
    {
        CodexAuthFile? auth;
        try
        {
            auth = Read(codexHome);
        }
        catch (JsonException)
        {
            throw new ClientSwitchException($"{Path.Combine(codexHome, "auth.json")} is not valid JSON; nothing was imported");
        }

        return auth switch
        {
            null => throw new ClientSwitchException($"{Path.Combine(codexHome, "auth.json")} does not exist: log Codex in with an API key first ('codex login --with-api-key'), or give the key with --key-stdin", nothingThere: true),
            { ApiKey: { } key } => key,
            { Login: CodexLogin.ChatGpt } => throw new ClientSwitchException($"{auth.Path} holds a ChatGPT login, not an API key: Tollgate does not import ChatGPT tokens (use 'tollgate codex on', which keeps Codex's own login)"),
            _ => throw new ClientSwitchException($"{auth.Path} has no API key (OPENAI_API_KEY); nothing was imported"),
        };
    }
}
