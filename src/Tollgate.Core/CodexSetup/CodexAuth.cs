using System.Text.Json;
using Tollgate.Core.ClientSetup;

namespace Tollgate.Core.CodexSetup;

/// <summary>
/// What Codex's <c>auth.json</c> holds: <c>{"auth_mode": "apikey"|"chatgpt", "OPENAI_API_KEY": …,
/// "tokens": {…}}</c> (FACTS §1). Only an API key is ever taken from it: ChatGPT login tokens
/// stay with Codex.
/// </summary>
public static class CodexAuth
{
    /// <summary>The API key in <c>$CODEX_HOME/auth.json</c>.</summary>
    /// <exception cref="ClientSwitchException">No auth.json, not JSON, or no API key in it (with what to do instead).</exception>
    public static string ReadApiKey(string codexHome)
    {
        var path = Path.Combine(codexHome, "auth.json");
        if (!File.Exists(path))
        {
            throw new ClientSwitchException($"{path} does not exist: log Codex in with an API key first ('codex login --with-api-key'), or give the key with --key-stdin", nothingThere: true);
        }

        JsonElement root;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            root = json.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new ClientSwitchException($"{path} is not valid JSON; nothing was imported");
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("OPENAI_API_KEY", out var key) && key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } value)
        {
            return value.Trim();
        }

        var mode = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("auth_mode", out var m) ? m.GetString() : null;
        throw new ClientSwitchException(mode == "chatgpt"
            ? $"{path} holds a ChatGPT login, not an API key: Tollgate does not import ChatGPT tokens (use 'tollgate codex on', which keeps Codex's own login)"
            : $"{path} has no API key (OPENAI_API_KEY); nothing was imported");
    }
}
