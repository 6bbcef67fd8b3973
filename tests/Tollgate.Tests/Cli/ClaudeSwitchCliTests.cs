using System.Text.Json;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate claude on/off/status</c> as a user runs them: messages, exit codes, and the client key when accounts exist.</summary>
public sealed class ClaudeSwitchCliTests : IDisposable
{
    private const string Settings = "{\n  // mine\n  \"model\": \"opus\",\n  \"env\": { \"FOO\": \"1\", },\n}\n";

    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string SettingsPath => Path.Combine(_sandbox.ClaudeDir, "settings.json");

    /// <summary>Runs tollgate; stderr with its line wrapping undone (errors are wrapped at the console's width).</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr)> Tollgate(params string[] args)
    {
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), args);
        return (code, stdout, string.Join(' ', stderr.Split([' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task OnStatusOff_AndTheBadCases_ExitWithClearMessages()
    {
        var (code, _, stderr) = await Tollgate("claude", "on", "--port", "1");
        Assert.Equal(7, code);
        Assert.Contains("does not exist", stderr);

        Directory.CreateDirectory(_sandbox.ClaudeDir);
        await File.WriteAllTextAsync(SettingsPath, "{\n  \"model\": \"opus\" // no comma\n  \"env\": {}\n}\n", Ct);
        (code, _, stderr) = await Tollgate("claude", "on", "--port", "1");
        Assert.Equal(1, code);
        Assert.Contains("not valid JSON at line 3", stderr);
        (code, _, _) = await Tollgate("claude", "off");
        Assert.Equal(1, code); // still not valid JSON: nothing is touched

        await File.WriteAllTextAsync(SettingsPath, Settings, Ct);
        (code, _, stderr) = await Tollgate("claude", "off");
        Assert.Equal(7, code);
        Assert.Contains("nothing to switch off", stderr);

        (code, var stdout, stderr) = await Tollgate("claude", "on", "--port", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("nothing answers at http://127.0.0.1:1 yet", stderr);
        Assert.Contains("reads settings.json as strict JSON", stderr); // the comments stay, but Claude Code would ignore the file
        Assert.Contains("Restart running Claude Code sessions", stdout);
        Assert.Equal("http://127.0.0.1:1", EnvOf(await File.ReadAllTextAsync(SettingsPath, Ct)).GetProperty("ANTHROPIC_BASE_URL").GetString()); // no /v1
        (_, stdout, _) = await Tollgate("claude", "status", "--json");
        Assert.Equal("on", JsonDocument.Parse(stdout).RootElement.GetProperty("state").GetString());
        (code, _, stderr) = await Tollgate("claude", "off");
        Assert.True(code == 0, stderr);
        Assert.Equal(Settings, await File.ReadAllTextAsync(SettingsPath, Ct));

        await File.WriteAllTextAsync(SettingsPath, "{\"env\": {\"ANTHROPIC_BASE_URL\": \"http://litellm.internal:4000\"}}", Ct);
        (code, _, stderr) = await Tollgate("claude", "on", "--port", "1");
        Assert.Equal(1, code);
        Assert.Contains("another proxy", stderr);
        (_, stdout, _) = await Tollgate("claude", "status");
        Assert.Contains("which Tollgate did not put there", stdout);
    }

    [Fact]
    public async Task WithAccounts_OnCreatesAClientKeyWithoutPrintingIt_OffRevokesIt()
    {
        Directory.CreateDirectory(_sandbox.ClaudeDir);
        await File.WriteAllTextAsync(SettingsPath, Settings, Ct);
        var (code, _, stderr) = await Tollgate("accounts", "add", "anthropic", "--base-url", "https://api.anthropic.com", "--key-env", "TOLLGATE_TEST_UNSET_KEY");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await Tollgate("keys", "create", "claude-code"); // taken: 'on' picks the next name
        Assert.True(code == 0, stderr);

        (code, var stdout, stderr) = await Tollgate("claude", "on", "--port", "1");

        Assert.True(code == 0, stderr);
        Assert.Contains("client key 'claude-code-2'", stdout);
        var token = EnvOf(await File.ReadAllTextAsync(SettingsPath, Ct)).GetProperty("ANTHROPIC_AUTH_TOKEN").GetString()!;
        Assert.StartsWith("tg-", token, StringComparison.Ordinal);
        Assert.DoesNotContain(token, stdout + stderr, StringComparison.Ordinal);
        Assert.Equal([("claude-code", false), ("claude-code-2", false)], await KeysAsync());
        (_, stdout, _) = await Tollgate("claude", "status");
        Assert.Contains("client key 'claude-code-2'", stdout);

        (code, _, _) = await Tollgate("claude", "on", "--port", "1");
        Assert.Equal(0, code);
        Assert.Equal(2, (await KeysAsync()).Count); // on twice: no second key

        (code, stdout, stderr) = await Tollgate("claude", "off");
        Assert.True(code == 0, stderr);
        Assert.Contains("Revoked the client key 'claude-code-2'", stdout);
        Assert.Equal([("claude-code", false), ("claude-code-2", true)], await KeysAsync());
        Assert.Equal(Settings, await File.ReadAllTextAsync(SettingsPath, Ct));

        // A token of someone else's where the gateway's key must go: refused, and no key is made.
        const string foreign = "{\"env\": {\"ANTHROPIC_AUTH_TOKEN\": \"not-a-tollgate-key\"}}";
        await File.WriteAllTextAsync(SettingsPath, foreign, Ct);
        (code, _, stderr) = await Tollgate("claude", "on", "--port", "1");
        Assert.Equal(1, code);
        Assert.Contains("already sets env.ANTHROPIC_AUTH_TOKEN", stderr);
        Assert.Equal(foreign, await File.ReadAllTextAsync(SettingsPath, Ct));
        Assert.Equal(2, (await KeysAsync()).Count);
    }

    private static JsonElement EnvOf(string settings) =>
        JsonDocument.Parse(settings, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement.GetProperty("env");

    /// <summary>Every client key by name, and whether it is revoked.</summary>
    private async Task<List<(string Name, bool Revoked)>> KeysAsync()
    {
        var (code, stdout, stderr) = await Tollgate("keys", "list", "--all", "--json");
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .Select(k => (k.GetProperty("name").GetString()!, k.GetProperty("revokedAt").ValueKind != JsonValueKind.Null))
            .OrderBy(k => k.Item1, StringComparer.Ordinal)
            .ToList();
    }
}
