using System.Net;
using System.Text.Json;
using Tomlyn;
using Tomlyn.Model;

namespace Tollgate.Core.CodexSetup;

/// <summary>
/// Where a gateway without accounts should forward, read from how Codex is set up.
/// <paramref name="OpenAIBase"/> is null when Codex uses OpenAI's own API (the default stays).
/// </summary>
public sealed record CodexBootstrapPlan(string Provider, string? OpenAIBase, CodexLogin Login, string Summary);

/// <summary>A Codex setup the gateway cannot follow, with what to do about it (shown as is).</summary>
public sealed class CodexBootstrapException(string message) : Exception(message);

/// <summary>
/// Reads how the Codex CLI is set up — <c>model_provider</c> (or the selected profile's), that
/// provider's <c>base_url</c>, <c>env_key</c> and <c>requires_openai_auth</c>, the top-level
/// <c>openai_base_url</c>, and <c>auth.json</c> — so that <c>tollgate serve</c> with no accounts
/// forwards Codex's calls, in pass-through mode, to where Codex would have sent them. A setup in
/// which Codex itself has no credential to send fails here, before the user's first turn does.
/// </summary>
public static class CodexBootstrap
{
    /// <summary>The plan for <paramref name="codexHome"/>; null when there is no Codex setup there at all.</summary>
    /// <param name="environment">The environment Codex will run in (this process's, as the best guess).</param>
    /// <param name="gatewayPort">The gateway's own port: a base URL pointing at it is Tollgate, not an upstream.</param>
    /// <exception cref="CodexBootstrapException">The setup cannot be read or has no usable credential.</exception>
    public static CodexBootstrapPlan? Plan(string codexHome, Func<string, string?> environment, int gatewayPort)
    {
        var configPath = Path.Combine(codexHome, "config.toml");
        var authPath = Path.Combine(codexHome, "auth.json");
        if (!File.Exists(configPath) && !File.Exists(authPath))
        {
            return null;
        }

        var config = ReadConfig(configPath);
        var login = ReadLogin(codexHome, environment);
        var provider = SelectedProvider(config);
        if (provider == "openai" && !Table(config, "model_providers", "openai").Found)
        {
            var url = config.TryGetValue("openai_base_url", out var v) && v is string s && s.Length > 0 ? s.TrimEnd('/') : null;
            RequireLogin(login, codexHome, "its built-in OpenAI provider");
            var via = login == CodexLogin.ChatGpt ? "a ChatGPT login (calls go to the ChatGPT Codex backend)" : "an API key";
            if (url is null || IsGateway(url, gatewayPort))
            {
                return new CodexBootstrapPlan(provider, null, login, $"Codex uses its built-in OpenAI provider with {via}");
            }

            return new CodexBootstrapPlan(provider, url, login, $"Codex uses its built-in OpenAI provider at {url} (openai_base_url) with {via}");
        }

        var (found, table) = Table(config, "model_providers", provider);
        if (!found)
        {
            throw new CodexBootstrapException(
                $"{configPath} selects model_provider = \"{provider}\" but has no [model_providers.{provider}] table, so Tollgate cannot tell where Codex's calls should go: start it with --upstream URL");
        }

        if (table.TryGetValue("base_url", out var b) is false || b is not string baseUrl || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CodexBootstrapException($"[model_providers.{provider}] in {configPath} has no http(s) base_url, so Tollgate cannot tell where Codex's calls should go: start it with --upstream URL");
        }

        baseUrl = baseUrl.TrimEnd('/');
        if (IsGateway(baseUrl, gatewayPort))
        {
            throw new CodexBootstrapException(
                $"Codex's provider '{provider}' already points at this gateway ({baseUrl}), so its setup does not say where calls should go next: start Tollgate with --upstream URL, set [upstreams] openai, or add an account ('tollgate accounts add')");
        }

        var name = table.TryGetValue("name", out var n) && n is string display ? $" ({display})" : "";
        var credential = "no key";
        if (table.TryGetValue("env_key", out var e) && e is string envKey && envKey.Length > 0)
        {
            if (environment(envKey) is not { Length: > 0 })
            {
                throw new CodexBootstrapException(
                    $"Codex's provider '{provider}' sends the key in ${envKey}, which is not set here: export {envKey} (Codex needs it too) before 'tollgate serve', or start it with --upstream URL");
            }

            credential = $"the key in ${envKey}";
        }
        else if (table.TryGetValue("requires_openai_auth", out var r) && r is true)
        {
            RequireLogin(login, codexHome, $"provider '{provider}'");
            credential = login == CodexLogin.ChatGpt ? "a ChatGPT login (calls go to the ChatGPT Codex backend)" : "an API key";
        }

        return new CodexBootstrapPlan(provider, baseUrl, login, $"Codex uses provider '{provider}'{name} at {baseUrl} with {credential}");
    }

    private static TomlTable ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            return new TomlTable();
        }

        try
        {
            return TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(path)) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new CodexBootstrapException($"{path} is not valid TOML ({ex.Message}); Tollgate reads it to find where Codex's calls go: fix it, or start Tollgate with --upstream URL");
        }
    }

    /// <summary><c>model_provider</c>, from the selected <c>profile</c> when that sets one; else Codex's default, <c>openai</c>.</summary>
    private static string SelectedProvider(TomlTable config)
    {
        if (config.TryGetValue("profile", out var p) && p is string profile
            && Table(config, "profiles", profile) is { Found: true } selected
            && selected.Table.TryGetValue("model_provider", out var fromProfile) && fromProfile is string id)
        {
            return id;
        }

        return config.TryGetValue("model_provider", out var m) && m is string provider && provider.Length > 0 ? provider : "openai";
    }

    private static (bool Found, TomlTable Table) Table(TomlTable config, string section, string name) =>
        config.TryGetValue(section, out var s) && s is TomlTable tables && tables.TryGetValue(name, out var t) && t is TomlTable table
            ? (true, table)
            : (false, new TomlTable());

    private static CodexLogin ReadLogin(string codexHome, Func<string, string?> environment)
    {
        CodexAuthFile? auth;
        try
        {
            auth = CodexAuth.Read(codexHome);
        }
        catch (JsonException)
        {
            throw new CodexBootstrapException($"{Path.Combine(codexHome, "auth.json")} is not valid JSON, so Codex has no usable login: run 'codex login' again, or start Tollgate with --upstream URL");
        }

        if (auth is { Login: not CodexLogin.None })
        {
            return auth.Login;
        }

        return environment("CODEX_API_KEY") is { Length: > 0 } || environment("OPENAI_API_KEY") is { Length: > 0 } ? CodexLogin.ApiKey : CodexLogin.None;
    }

    private static void RequireLogin(CodexLogin login, string codexHome, string what)
    {
        if (login == CodexLogin.None)
        {
            throw new CodexBootstrapException(
                $"Codex ({codexHome}) uses {what} but has no login, and Tollgate forwards Codex's own credential: run 'codex login' (ChatGPT) or 'codex login --with-api-key' first, "
                + "or add an account with 'tollgate accounts add' so Tollgate brings the key");
        }
    }

    /// <summary>True when <paramref name="url"/> is this machine on the gateway's port (Tollgate itself, e.g. after 'tollgate codex on').</summary>
    private static bool IsGateway(string url, int gatewayPort)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port != gatewayPort)
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}
