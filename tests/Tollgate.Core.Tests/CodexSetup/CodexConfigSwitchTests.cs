using System.Runtime.Versioning;
using System.Text;
using Tollgate.Core.ClientSetup;
using Tollgate.Core.CodexSetup;
using Tomlyn.Model;

namespace Tollgate.Core.Tests.CodexSetup;

/// <summary><c>tollgate codex on/off</c> on real-world-shaped configs: surgical, reversible to the byte, safe across crashes.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class CodexConfigSwitchTests : IDisposable
{
    private const string Url = "http://127.0.0.1:8787/v1";
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("tollgate-codex-switch-");

    public void Dispose()
    {
        foreach (var file in _home.GetFiles())
        {
            File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _home.Delete(recursive: true);
    }

    private string ConfigPath => Path.Combine(_home.FullName, "config.toml");

    /// <summary>Config files as people have them: MCP servers, profiles, features, desktop-style tables, comments everywhere, CRLF, no final newline.</summary>
    public static TheoryData<string, string> Corpus => new()
    {
        { "empty", "" },
        { "comments only", "# nothing here yet\n" },
        {
            "mcp, profiles, features",
            """
            # Codex config
            model = "gpt-5.1-codex" # the default
            model_reasoning_effort = "high"
            approval_policy = "on-request"

            # docs server, added by hand
            [mcp_servers.docs]
            command = "npx"
            args = ["-y", "@acme/docs-mcp"]
            env = { "DOCS_TOKEN" = "x" }

            [profiles.fast]
            model = "gpt-5.1-codex-mini"

            [features]
            web_search_request = true

            """
        },
        { "crlf", "model = \"gpt-5\"\r\n\r\n# desktop\r\n[desktop]\r\ntheme = 'dark'\r\n" },
        { "no final newline", "model = \"gpt-5\"\n[tui]\nnotifications = true" },
        { "tables only", "[[skills]]\nname = \"a\"\n\n[[skills]]\nname = \"b\"\n" },
        { "dotted keys and arrays", "features.unified_exec = true\nnotify = [\n  \"notify-send\",\n  \"codex\",\n]\n[shell_environment_policy]\ninherit = \"core\"\n" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void OnThenOff_GivesBackTheIdenticalBytes_AndOnSetsOnlyTheBaseUrl(string name, string config)
    {
        var original = Encoding.UTF8.GetBytes(config);
        File.WriteAllBytes(ConfigPath, original);
        var toggle = new CodexConfigSwitch(_home.FullName);

        Assert.True(toggle.On(Url).Changed, name);
        Assert.Equal(ClientSwitchState.On, toggle.Status().State);
        var on = File.ReadAllText(ConfigPath);
        var parsed = Tomlyn.TomlSerializer.Deserialize<TomlTable>(on)!;
        Assert.Equal(Url, parsed["openai_base_url"]);
        var before = Tomlyn.TomlSerializer.Deserialize<TomlTable>(config)!;
        Assert.Equal(before.Keys.Append("openai_base_url").Order(), parsed.Keys.Order()); // nothing else moved in or out of the top level
        Assert.Equal(config.Contains("\r\n", StringComparison.Ordinal), on.Contains("\r\n", StringComparison.Ordinal));

        Assert.True(toggle.Off().Changed);
        Assert.Equal(original, File.ReadAllBytes(ConfigPath));
        Assert.Equal(ClientSwitchState.Off, toggle.Status().State);
        Assert.False(File.Exists(toggle.BackupPath));
    }

    [Fact]
    public void EditsMadeWhileOn_AreKeptByOff_AndOnlyTollgatesLineGoes()
    {
        File.WriteAllText(ConfigPath, "model = \"gpt-5\"\n\n# mine\n[mcp_servers.a]\ncommand = \"a\"\n");
        var toggle = new CodexConfigSwitch(_home.FullName);
        toggle.On(Url);
        File.AppendAllText(ConfigPath, "\n[mcp_servers.b]\ncommand = \"b\"\n");
        Assert.Equal(ClientSwitchState.OnEdited, toggle.Status().State);

        toggle.Off();

        Assert.Equal("model = \"gpt-5\"\n\n# mine\n[mcp_servers.a]\ncommand = \"a\"\n\n[mcp_servers.b]\ncommand = \"b\"\n", File.ReadAllText(ConfigPath));
    }

    [Fact]
    public void OnTwice_KeepsTheFirstBackup_AndAMissingConfigIsCreatedAndRemovedAgain()
    {
        var toggle = new CodexConfigSwitch(_home.FullName);
        toggle.On(Url);
        var backup = File.ReadAllBytes(toggle.BackupPath);
        Assert.False(toggle.On(Url).Changed); // already on
        toggle.On("http://127.0.0.1:9999/v1"); // a new port replaces Tollgate's own line
        Assert.Equal(backup, File.ReadAllBytes(toggle.BackupPath));
        Assert.Single(File.ReadAllLines(ConfigPath), l => l.StartsWith("openai_base_url", StringComparison.Ordinal));

        toggle.Off();
        Assert.Equal("", File.ReadAllText(ConfigPath));
    }

    [Fact]
    public void BadInputs_AreRefused_AndChangeNothing()
    {
        var toggle = new CodexConfigSwitch(_home.FullName);
        File.WriteAllText(ConfigPath, "model = \n[broken");
        Assert.Contains("not valid TOML", Assert.Throws<ClientSwitchException>(() => toggle.On(Url)).Message);
        Assert.Equal("model = \n[broken", File.ReadAllText(ConfigPath));

        File.WriteAllText(ConfigPath, "openai_base_url = \"http://proxy.example:4000/v1\"\n");
        Assert.Contains("another proxy", Assert.Throws<ClientSwitchException>(() => toggle.On(Url)).Message);

        File.WriteAllText(ConfigPath, "model_provider = \"azure\"\n");
        Assert.Contains("model_provider = \"azure\"", Assert.Throws<ClientSwitchException>(() => toggle.On(Url)).Message);

        File.WriteAllText(ConfigPath, "model = \"gpt-5\"\n");
        Assert.Contains("nothing to switch off", Assert.Throws<ClientSwitchException>(() => toggle.Off()).Message);

        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        Assert.Contains("read-only", Assert.Throws<ClientSwitchException>(() => toggle.On(Url)).Message);
        Assert.Equal("model = \"gpt-5\"\n", File.ReadAllText(ConfigPath));
        Assert.False(File.Exists(toggle.BackupPath));

        Assert.Contains("does not exist", Assert.Throws<ClientSwitchException>(() => new CodexConfigSwitch(Path.Combine(_home.FullName, "nope")).On(Url)).Message);
    }

    [Fact]
    public void ADeletedBackup_OrACrashBetweenSteps_IsRepairedByOff()
    {
        const string config = "model = \"gpt-5\"\n[tui]\nnotifications = true\n";
        File.WriteAllText(ConfigPath, config);
        var toggle = new CodexConfigSwitch(_home.FullName);
        toggle.On(Url);
        File.Delete(toggle.BackupPath);
        toggle.Off(); // no backup: Tollgate's line is removed instead
        Assert.Equal(config, File.ReadAllText(ConfigPath));

        // A crash after the backup and the state were written, before the file was: status says so, off cleans up.
        toggle.On(Url);
        File.WriteAllText(ConfigPath, config);
        Assert.Equal(ClientSwitchState.Interrupted, toggle.Status().State);
        toggle.Off();
        Assert.Equal(config, File.ReadAllText(ConfigPath));
        Assert.Equal(ClientSwitchState.Off, toggle.Status().State);
        Assert.False(File.Exists(toggle.StatePath));
    }

    [Fact]
    public void TheFilesPermissionsAreKept()
    {
        File.WriteAllText(ConfigPath, "model = \"gpt-5\"\n");
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var toggle = new CodexConfigSwitch(_home.FullName);
        toggle.On(Url);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(toggle.BackupPath));
    }
}
