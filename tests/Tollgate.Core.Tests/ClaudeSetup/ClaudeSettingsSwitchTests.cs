using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tollgate.Core.ClaudeSetup;
using Tollgate.Core.ClientSetup;

namespace Tollgate.Core.Tests.ClaudeSetup;

/// <summary><c>tollgate claude on/off</c> on real-world-shaped settings.json files: surgical, reversible to the byte, safe across crashes.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ClaudeSettingsSwitchTests : IDisposable
{
    private const string Url = "http://127.0.0.1:8787";
    private const string UrlKey = ClaudeSettingsSwitch.UrlVariable;
    private const string TokenKey = ClaudeSettingsSwitch.TokenVariable;

    // Shaped like a Tollgate client key; random per test, so nothing here is a real secret.
    private static readonly IssuedClientKey Key = new(Guid.CreateVersion7(), "claude-code", "tg-" + Convert.ToHexString(Guid.NewGuid().ToByteArray()));
    private static readonly JsonDocumentOptions Jsonc = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-claude-switch-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var file in _dir.GetFiles())
        {
            File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _dir.Delete(recursive: true);
    }

    private string SettingsPath => Path.Combine(_dir.FullName, "settings.json");

    private ClaudeSettingsSwitch Toggle() => new(_dir.FullName);

    private static Func<CancellationToken, Task<IssuedClientKey>> Issue(List<IssuedClientKey>? issued = null) => _ =>
    {
        issued?.Add(Key);
        return Task.FromResult(Key);
    };

    /// <summary>Settings files as people have them (null: no file at all).</summary>
    public static TheoryData<string, string?> Corpus => new()
    {
        { "missing file", null },
        { "empty file", "" },
        { "blank", "  \n" },
        { "comments only", "// nothing yet\n" },
        { "empty object", "{}\n" },
        {
            "permissions, hooks, statusLine, model",
            """
            {
              "$schema": "https://json.schemastore.org/claude-code-settings.json",
              "model": "opus",
              "permissions": {
                "allow": [
                  "Bash(npm run lint)",
                  "Bash(npm run test:*)",
                  "Read(~/.zshrc)"
                ],
                "deny": ["Bash(curl:*)", "Read(./.env)"],
                "defaultMode": "acceptEdits"
              },
              "hooks": {
                "PostToolUse": [
                  {
                    "matcher": "Edit|Write",
                    "hooks": [{ "type": "command", "command": "npx prettier --write \"$CLAUDE_FILE_PATHS\"" }]
                  }
                ]
              },
              "statusLine": { "type": "command", "command": "~/.claude/statusline.sh", "padding": 0 },
              "includeCoAuthoredBy": false
            }

            """
        },
        { "env with other variables", "{\n  \"env\": {\n    \"CLAUDE_CODE_ENABLE_TELEMETRY\": \"0\",\n    \"BASH_DEFAULT_TIMEOUT_MS\": \"120000\"\n  },\n  \"model\": \"sonnet\"\n}\n" },
        { "empty env", "{\n  \"cleanupPeriodDays\": 30,\n  \"env\": {}\n}\n" },
        { "empty env over lines", "{\n  \"env\": {\n  },\n  \"model\": \"opus\"\n}\n" },
        {
            "comments everywhere, trailing commas",
            """
            // Claude Code settings (JSONC)
            {
              /* which model */
              "model": "opus", // the default
              "env": { // for every session
                // telemetry off
                "DISABLE_TELEMETRY": "1", /* a trailing comma next */
              },
              "permissions": {
                "allow": ["Bash(git diff:*)",], // in an array too
              },
            }
            // end
            """
        },
        { "comment before the first env member on the brace's line", "{\n  \"env\": { // mine\n    \"FOO\": \"1\"\n  }\n}\n" },
        { "crlf", "{\r\n  \"env\": {\r\n    \"FOO\": \"bar\"\r\n  },\r\n  \"model\": \"sonnet\"\r\n}\r\n" },
        { "crlf without env", "{\r\n  \"model\": \"sonnet\"\r\n}\r\n" },
        { "bom and tabs", "\uFEFF{\n\t\"model\": \"haiku\",\n\t\"env\": {\n\t\t\"FOO\": \"bar\"\n\t}\n}\n" },
        { "tabs without env", "{\n\t\"model\": \"haiku\"\n}\n" },
        { "minified", """{"model":"opus","env":{"FOO":"1"},"permissions":{"allow":["Read"]}}""" },
        { "minified without env", """{"model":"opus","permissions":{"allow":["Read"]}}""" },
        { "one line with spaces", """{ "model": "opus", "env": { "FOO": "1" } }""" },
        { "four spaces, no env, no final newline", "{\n    \"alwaysThinkingEnabled\": true\n}" },
        { "escaped names and unicode", "{\n  \"env\": {\n    \"GREETING\": \"gr\\u00fc\\u00DF dich \\\"\\u2713\\\"\",\n    \"PATH_NOTE\": \"C:\\\\tools\"\n  },\n  \"\\u006dodel\": \"opus\"\n}\n" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task OnThenOff_GivesBackTheIdenticalBytes_AndOnSetsOnlyTheBaseUrl(string name, string? settings)
    {
        var original = WriteSettings(settings);
        var toggle = Toggle();

        var on = await toggle.OnAsync(Url, null, Ct);

        Assert.True(on.Changed, name);
        Assert.Equal(ClientSwitchState.On, toggle.Status().State);
        AssertOnlyOursAdded(original, expectToken: false);
        Assert.True(toggle.Off().Changed);
        AssertRestored(original);
        Assert.Equal(ClientSwitchState.Off, toggle.Status().State);
        Assert.False(File.Exists(toggle.BackupPath));
        Assert.False(File.Exists(toggle.StatePath));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task WithAClientKey_OnAddsTheToken_OffRemovesItAndNamesTheKeyToRevoke(string name, string? settings)
    {
        var original = WriteSettings(settings);
        var toggle = Toggle();

        var on = await toggle.OnAsync(Url, Issue(), Ct);

        Assert.Equal((Key.Id, "claude-code"), (on.ClientKeyId, on.ClientKeyName));
        Assert.DoesNotContain(Key.Secret, on.Message + Key, StringComparison.Ordinal);
        AssertOnlyOursAdded(original, expectToken: true);
        Assert.DoesNotContain(Key.Secret, File.ReadAllText(toggle.StatePath), StringComparison.Ordinal);
        var off = toggle.Off();
        Assert.Equal(Key.Id, off.ClientKeyId);
        AssertRestored(original, name);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task WithoutTheBackup_OffRemovesOnlyTollgatesMembers(string name, string? settings)
    {
        var original = WriteSettings(settings);
        var toggle = Toggle();
        await toggle.OnAsync(Url, Issue(), Ct);
        File.Delete(toggle.BackupPath); // deleted by hand: off works from the text alone

        toggle.Off();

        if (original is null)
        {
            Assert.Equal("{\n}\n", File.ReadAllText(SettingsPath)); // created by 'on', edited since: kept, emptied
            return;
        }

        var text = Encoding.UTF8.GetString(original);
        if (name is "empty object" or "empty env")
        {
            // '{}' was opened over lines to take Tollgate's members; only the values come back.
            Assert.True(JsonNode.DeepEquals(Parse(text), Parse(File.ReadAllText(SettingsPath))), File.ReadAllText(SettingsPath));
            return;
        }

        AssertRestored(IsBlankJson(text) ? Created(original) : original, name);
    }

    [Theory]
    [InlineData("{\"model\": \"opus\"}", false)]
    [InlineData("\uFEFF{\r\n\t\"model\": \"opus\"\r\n}", false)]
    [InlineData("// mine\n{\"model\": \"opus\"}", true)]
    [InlineData("{\"model\": \"opus\",}", true)]
    [InlineData("// nothing yet\n", true)]
    public async Task On_WarnsWhenClaudeCodeWouldIgnoreTheFile_ForCommentsOrTrailingCommas(string settings, bool warns)
    {
        WriteSettings(settings);

        var on = await Toggle().OnAsync(Url, null, Ct);

        Assert.Equal(warns, on.Warning?.Contains("strict JSON", StringComparison.Ordinal) ?? false);
        Assert.Equal(warns, (await Toggle().OnAsync(Url, null, Ct)).Warning is not null); // again when already on
    }

    [Fact]
    public async Task EditsMadeWhileOn_AreKeptByOff_AndOnlyTollgatesMembersGo()
    {
        const string settings = "{\n  \"env\": {\n    \"FOO\": \"1\"\n  },\n  \"model\": \"sonnet\"\n}\n";
        WriteSettings(settings);
        var toggle = Toggle();
        await toggle.OnAsync(Url, Issue(), Ct);
        Edit("\"FOO\": \"1\"", "\"FOO\": \"1\",\n    \"BAR\": \"2\"");
        Edit("sonnet", "opus");
        Assert.Equal(ClientSwitchState.OnEdited, toggle.Status().State);

        toggle.Off();

        Assert.Equal("{\n  \"env\": {\n    \"FOO\": \"1\",\n    \"BAR\": \"2\"\n  },\n  \"model\": \"opus\"\n}\n", File.ReadAllText(SettingsPath));
    }

    [Fact]
    public async Task TheEnvOnCreated_GoesWithOffWhenEmpty_AndStaysWithTheUsersVariables()
    {
        const string settings = "{\n  \"model\": \"sonnet\"\n}\n";
        WriteSettings(settings);
        var toggle = Toggle();
        await toggle.OnAsync(Url, null, Ct);
        Edit("sonnet", "opus");
        toggle.Off();
        Assert.Equal("{\n  \"model\": \"opus\"\n}\n", File.ReadAllText(SettingsPath));

        await toggle.OnAsync(Url, null, Ct);
        var on = File.ReadAllText(SettingsPath);
        Assert.Equal($"{{\n  \"env\": {{\n    \"{UrlKey}\": \"{Url}\"\n  }},\n  \"model\": \"opus\"\n}}\n", on);
        Edit($"\"{Url}\"", $"\"{Url}\",\n    \"MINE\": \"x\"");
        toggle.Off();
        Assert.Equal("{\n  \"env\": {\n    \"MINE\": \"x\"\n  },\n  \"model\": \"opus\"\n}\n", File.ReadAllText(SettingsPath));
    }

    [Fact]
    public async Task OnTwice_ChangesNothing_ANewPortReplacesOurs_AndAKeyIsAddedOnceAccountsExist()
    {
        const string settings = "{\n  \"env\": {\n    \"FOO\": \"1\"\n  }\n}\n";
        WriteSettings(settings);
        var toggle = Toggle();
        await toggle.OnAsync(Url, null, Ct);
        var backup = File.ReadAllBytes(toggle.BackupPath);
        var once = File.ReadAllBytes(SettingsPath);

        Assert.False((await toggle.OnAsync(Url, null, Ct)).Changed);
        Assert.Equal(once, File.ReadAllBytes(SettingsPath));

        await toggle.OnAsync("http://127.0.0.1:9999", null, Ct);
        var issued = new List<IssuedClientKey>();
        await toggle.OnAsync("http://127.0.0.1:9999", Issue(issued), Ct); // accounts were added since
        Assert.False((await toggle.OnAsync("http://127.0.0.1:9999", Issue(issued), Ct)).Changed);
        Assert.Single(issued);
        var env = Parse(File.ReadAllText(SettingsPath))!["env"]!.AsObject();
        Assert.Equal([UrlKey, TokenKey, "FOO"], env.Select(p => p.Key));
        Assert.Equal("http://127.0.0.1:9999", (string?)env[UrlKey]);
        Assert.Equal(backup, File.ReadAllBytes(toggle.BackupPath));

        Assert.Equal(Key.Id, toggle.Off().ClientKeyId);
        Assert.Equal(settings, File.ReadAllText(SettingsPath));
    }

    [Theory]
    [InlineData("{\n  \"model\": \"opus\"\n  \"env\": {}\n}\n")] // a missing comma
    [InlineData("{\n  \"model\": \"opus\" // the default\n  \"env\": {}\n}\n")] // after a comment: the reader that returns comments lets this pass
    [InlineData("{\n  \"model\": \"opus\", /* no end\n  \"env\": {}\n}\n")]
    [InlineData("{\n  \"model\": \"opus\",\n  env: {}\n}\n")]
    [InlineData("{\n  \"model\": \"opus\",\n  \"env\": {}\n")]
    public async Task InvalidJson_IsRefused_SayingWhere_AndNothingChanges(string settings)
    {
        WriteSettings(settings);
        var toggle = Toggle();

        var e = await Assert.ThrowsAsync<ClientSwitchException>(() => toggle.OnAsync(Url, Issue(), Ct));

        Assert.Contains("not valid JSON at line ", e.Message);
        Assert.Matches(@"line [2-5], column \d+ \(.+\); nothing was changed", e.Message);
        Assert.False(e.NothingThere);
        Assert.Equal(settings, File.ReadAllText(SettingsPath));
        Assert.Equal(["settings.json"], _dir.GetFiles().Select(f => f.Name));
        Assert.Contains("not valid JSON", Assert.Throws<ClientSwitchException>(toggle.Status).Message);
        Assert.Contains("not valid JSON", Assert.Throws<ClientSwitchException>(toggle.Off).Message);
    }

    [Theory]
    [InlineData("[]", "does not hold a JSON object")]
    [InlineData("\"settings\"", "does not hold a JSON object")]
    [InlineData("{\"env\": [\"ANTHROPIC_BASE_URL=x\"]}", "\"env\" that is not an object")]
    [InlineData("{\"env\": null}", "\"env\" that is not an object")]
    [InlineData("{\"env\": {\"ANTHROPIC_BASE_URL\": \"http://proxy.example:4000\"}}", "another proxy")]
    [InlineData("{\"env\": {\"ANTHROPIC_BASE_URL\": 8787}}", "another proxy")]
    [InlineData("{\"env\": {\"ANTHROPIC_AUTH_TOKEN\": \"someone-elses\"}}", "already sets env.ANTHROPIC_AUTH_TOKEN")]
    public async Task SettingsTheSwitchMustNotTouch_AreRefused_AndNothingChanges(string settings, string expected)
    {
        WriteSettings(settings);

        var e = await Assert.ThrowsAsync<ClientSwitchException>(() => Toggle().OnAsync(Url, Issue(), Ct));

        Assert.Contains(expected, e.Message);
        Assert.Equal(settings, File.ReadAllText(SettingsPath));
        Assert.Single(_dir.GetFiles());
    }

    [Fact]
    public async Task AnAuthTokenOfTheUsers_IsKeptWhenTheGatewayNeedsNoKey()
    {
        const string settings = "{\"env\": {\"ANTHROPIC_AUTH_TOKEN\": \"users-own\"}}";
        WriteSettings(settings);
        var toggle = Toggle();
        await toggle.OnAsync(Url, null, Ct);
        Assert.Equal("users-own", (string?)Parse(File.ReadAllText(SettingsPath))!["env"]![TokenKey]);

        File.Delete(toggle.BackupPath);
        toggle.Off();
        Assert.Equal(settings, File.ReadAllText(SettingsPath));
    }

    [Fact]
    public async Task ReadOnlyFile_MissingFolder_AndOffWithoutOn_AreRefused()
    {
        WriteSettings("{}\n");
        File.SetUnixFileMode(SettingsPath, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var toggle = Toggle();
        Assert.Contains("read-only", (await Assert.ThrowsAsync<ClientSwitchException>(() => toggle.OnAsync(Url, Issue(), Ct))).Message);
        Assert.Single(_dir.GetFiles());

        File.SetUnixFileMode(SettingsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var off = Assert.Throws<ClientSwitchException>(toggle.Off);
        Assert.True(off.NothingThere);
        Assert.Contains("nothing to switch off", off.Message);

        var missing = await Assert.ThrowsAsync<ClientSwitchException>(() => new ClaudeSettingsSwitch(Path.Combine(_dir.FullName, "nope")).OnAsync(Url, Issue(), Ct));
        Assert.True(missing.NothingThere);
        Assert.Contains("does not exist", missing.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "nope")));
    }

    [Fact]
    public async Task ACrashBetweenSteps_IsNamedByStatus_AndRepairedByOff()
    {
        const string settings = "{\n  \"model\": \"opus\"\n}\n";
        WriteSettings(settings);
        var toggle = Toggle();
        await toggle.OnAsync(Url, Issue(), Ct);

        // The backup and the state were written, the file was not.
        File.WriteAllText(SettingsPath, settings);
        Assert.Equal(ClientSwitchState.Interrupted, toggle.Status().State);
        var off = toggle.Off();
        Assert.Equal(Key.Id, off.ClientKeyId); // the key was made before the crash: revoke it
        Assert.Equal(settings, File.ReadAllText(SettingsPath));
        Assert.Equal(ClientSwitchState.Off, toggle.Status().State);
        Assert.Single(_dir.GetFiles());

        // Only the backup was written: off tidies it away, on starts over.
        File.WriteAllText(toggle.BackupPath, settings);
        Assert.Equal(ClientSwitchState.Interrupted, toggle.Status().State);
        await toggle.OnAsync(Url, null, Ct);
        Assert.Equal(ClientSwitchState.On, toggle.Status().State);
        toggle.Off();
        Assert.Equal(settings, File.ReadAllText(SettingsPath));
    }

    [Fact]
    public async Task TheFilesPermissionsAreKept_AndNewFilesAreOwnerOnly()
    {
        WriteSettings("{}\n");
        File.SetUnixFileMode(SettingsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var toggle = Toggle();
        await toggle.OnAsync(Url, Issue(), Ct);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(SettingsPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(toggle.StatePath));
        toggle.Off();

        File.Delete(SettingsPath);
        await toggle.OnAsync(Url, Issue(), Ct);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SettingsPath));
    }

    /// <summary>Writes the settings file (or makes sure there is none) and returns its bytes.</summary>
    private byte[]? WriteSettings(string? settings)
    {
        if (settings is null)
        {
            File.Delete(SettingsPath);
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(settings);
        File.WriteAllBytes(SettingsPath, bytes);
        return bytes;
    }

    /// <summary>The user edits the file by hand.</summary>
    private void Edit(string from, string to)
    {
        var text = File.ReadAllText(SettingsPath);
        Assert.Contains(from, text);
        File.WriteAllText(SettingsPath, text.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>After 'on': the file parses (comments skipped), ours are the first members of env, and every other value is as it was.</summary>
    private void AssertOnlyOursAdded(byte[]? original, bool expectToken)
    {
        var text = File.ReadAllText(SettingsPath);
        var after = Parse(text)!.AsObject();
        var before = original is null ? new JsonObject() : Parse(Encoding.UTF8.GetString(original))?.AsObject() ?? [];
        var env = after["env"]!.AsObject();
        Assert.Equal(Url, (string?)env[UrlKey]);
        Assert.Equal(expectToken ? [UrlKey, TokenKey] : [UrlKey], env.Select(p => p.Key).Take(expectToken ? 2 : 1));
        Assert.Equal(expectToken ? Key.Secret : null, (string?)env[TokenKey]);
        env.Remove(UrlKey);
        env.Remove(TokenKey);
        if (before["env"] is null)
        {
            Assert.Empty(env);
            after.Remove("env");
        }

        Assert.True(JsonNode.DeepEquals(before, after), $"other values changed:\n{text}");
        if (original is not null && Encoding.UTF8.GetString(original).Contains("\r\n", StringComparison.Ordinal))
        {
            Assert.DoesNotContain("\n", text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal); // CRLF kept throughout
        }

        Assert.Equal(original is not null && original.AsSpan().StartsWith("\uFEFF"u8), File.ReadAllBytes(SettingsPath).AsSpan().StartsWith("\uFEFF"u8));
    }

    private void AssertRestored(byte[]? original, string? name = null)
    {
        if (original is null)
        {
            Assert.False(File.Exists(SettingsPath), name);
            return;
        }

        Assert.Equal(Encoding.UTF8.GetString(original), Encoding.UTF8.GetString(File.ReadAllBytes(SettingsPath))); // readable when it fails
        Assert.Equal(original, File.ReadAllBytes(SettingsPath));
    }

    private static JsonNode? Parse(string text) => IsBlankJson(text) ? null : JsonNode.Parse(text.TrimStart('\uFEFF'), documentOptions: Jsonc);

    /// <summary>No JSON value in it: empty, white space, comments.</summary>
    private static bool IsBlankJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text.TrimStart('\uFEFF'), Jsonc);
            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    }

    /// <summary>What a blank file looks like after 'on' then an 'off' that only removes Tollgate's members: an empty object after the old text.</summary>
    private static byte[] Created(byte[] original)
    {
        var text = Encoding.UTF8.GetString(original);
        return Encoding.UTF8.GetBytes(text + (text.Length == 0 || text.EndsWith('\n') ? "" : "\n") + "{\n}\n");
    }
}
