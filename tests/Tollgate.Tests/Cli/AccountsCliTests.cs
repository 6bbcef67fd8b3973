using System.Text.Json;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate accounts / keys / vault</c> as a user runs them: the real executable, a throwaway data directory.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // checks file modes
public sealed class AccountsCliTests : IDisposable
{
    private const string Key = "sk-test-cli-0000000000000000abcd";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-accounts-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private Dictionary<string, string> Env(string data = "data", params (string, string)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _dir.FullName,
            ["TOLLGATE_DATA_DIR"] = Path.Combine(_dir.FullName, data),
            ["XDG_CONFIG_HOME"] = Path.Combine(_dir.FullName, "config"),
        };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }

        return env;
    }

    [Fact]
    public async Task AddFromCodex_ImportsTheApiKeyFromAuthJson_AndNeverAChatGptLogin()
    {
        var codexHome = Directory.CreateDirectory(Path.Combine(_dir.FullName, "codex")).FullName;
        var env = Env(extra: ("CODEX_HOME", codexHome));
        var (code, _, stderr) = await TollgateProcess.RunAsync(env, "accounts", "add", "codex", "--from-codex");
        Assert.Equal(7, code);
        Assert.Contains("auth.json does not exist", stderr);

        await File.WriteAllTextAsync(Path.Combine(codexHome, "auth.json"), """{"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"access_token":"eyJ.not-imported","account_id":"acc"}}""", TestContext.Current.CancellationToken);
        (code, var stdout, stderr) = await TollgateProcess.RunAsync(env, "accounts", "add", "codex", "--from-codex");
        Assert.Equal(1, code);
        Assert.Contains("ChatGPT login", stderr);
        Assert.DoesNotContain("eyJ", stdout + stderr);

        await File.WriteAllTextAsync(Path.Combine(codexHome, "auth.json"), "{\"auth_mode\":\"apikey\",\"OPENAI_API_KEY\":\"" + Key + "\",\"future_field\":1}", TestContext.Current.CancellationToken);
        (code, stdout, stderr) = await TollgateProcess.RunAsync(env, "accounts", "add", "codex", "--from-codex");
        Assert.True(code == 0, stderr);
        Assert.Contains("sk-test-cli-…abcd", stdout);
        Assert.DoesNotContain(Key, stdout + stderr);
        (code, stdout, _) = await TollgateProcess.RunAsync(env, "accounts", "list", "--json");
        var account = Assert.Single(JsonDocument.Parse(stdout).RootElement.EnumerateArray());
        Assert.Equal("https://api.openai.com/v1", account.GetProperty("baseUrl").GetString());

        (code, _, stderr) = await TollgateProcess.RunAsync(env, "accounts", "add", "again", "--from-codex", "--key-env", "X");
        Assert.Equal(2, code);
        Assert.Contains("give the key one way", stderr);
    }

    [Fact]
    public async Task AddListShowRemove_KeysNeverPrinted_BadInputsExitNonZero()
    {
        var (code, stdout, stderr) = await TollgateProcess.RunWithInputAsync(Env(), Key + "\n", "accounts", "add", "main", "--base-url", "https://api.openai.com/v1", "--key-stdin", "--daily-usd", "5", "--models", "gpt-5*,o4-*");
        Assert.True(code == 0, stderr);
        Assert.Contains("sk-test-cli-…abcd", stdout);
        Assert.DoesNotContain(Key, stdout + stderr);

        (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env(), Key + "\n", "accounts", "add", "MAIN", "--base-url", "https://x.example/v1", "--key-stdin");
        Assert.Equal(2, code);
        Assert.Contains("already exists", stderr);

        (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "accounts", "add", "other", "--base-url", "https://x.example/v1");
        Assert.Equal(2, code); // no terminal, no key option
        Assert.Contains("--key-stdin", stderr);

        (code, _, _) = await TollgateProcess.RunAsync(Env(), "accounts", "add", "envkey", "--base-url", "https://r.openai.azure.com/openai/v1", "--key-env", "AZURE_KEY", "--pool", "team");
        Assert.Equal(0, code);

        (code, stdout, _) = await TollgateProcess.RunAsync(Env(), "accounts", "list", "--json");
        Assert.Equal(0, code);
        Assert.DoesNotContain(Key, stdout);
        var list = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal("sk-test-cli-…abcd", list["main"].GetProperty("keyFingerprint").GetString());
        Assert.Equal(5m, list["main"].GetProperty("limits").GetProperty("dailyUSD").GetDecimal());
        Assert.Equal("azure-openai", list["envkey"].GetProperty("provider").GetString());
        Assert.Equal("AZURE_KEY", list["envkey"].GetProperty("credentialEnv").GetString());
        Assert.Equal(JsonValueKind.Null, list["main"].GetProperty("health").ValueKind); // no gateway running

        (code, stdout, _) = await TollgateProcess.RunAsync(Env(), "accounts", "disable", "main");
        Assert.Equal(0, code);
        (code, stdout, _) = await TollgateProcess.RunAsync(Env(), "accounts", "show", "main", "--json");
        Assert.False(JsonDocument.Parse(stdout).RootElement.GetProperty("enabled").GetBoolean());

        (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "accounts", "remove", "nope");
        Assert.Equal(7, code);
        Assert.Contains("main", stderr); // names the accounts that do exist
        (code, _, _) = await TollgateProcess.RunAsync(Env(), "accounts", "remove", "main");
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task Keys_CreatePrintsOnce_ListShowsHints_RevokeWorks()
    {
        var (code, stdout, _) = await TollgateProcess.RunAsync(Env(), "keys", "create", "laptop");
        Assert.Equal(0, code);
        var secret = stdout.Trim(); // redirected output: just the key
        Assert.StartsWith("tg-", secret);

        (code, stdout, _) = await TollgateProcess.RunAsync(Env(), "keys", "list", "--json");
        Assert.DoesNotContain(secret, stdout);
        Assert.Equal("tg-…" + secret[^4..], JsonDocument.Parse(stdout).RootElement[0].GetProperty("hint").GetString());

        (code, _, _) = await TollgateProcess.RunAsync(Env(), "keys", "revoke", "laptop");
        Assert.Equal(0, code);
        (code, _, _) = await TollgateProcess.RunAsync(Env(), "keys", "revoke", "laptop");
        Assert.Equal(7, code);
    }

    [Fact]
    public async Task ExportImport_MovesAccountsToAnotherDataDir_AndAWrongPassphraseChangesNothing()
    {
        await TollgateProcess.RunWithInputAsync(Env(), Key + "\n", "accounts", "add", "main", "--base-url", "https://api.openai.com/v1", "--key-stdin");
        var bundle = Path.Combine(_dir.FullName, "accounts.bundle");
        var (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env(), "a long passphrase\n", "accounts", "export", bundle, "--passphrase-stdin");
        Assert.True(code == 0, stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(bundle));
        Assert.DoesNotContain(Key, await File.ReadAllTextAsync(bundle, TestContext.Current.CancellationToken));

        (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env("other"), "not the passphrase\n", "accounts", "import", bundle, "--passphrase-stdin");
        Assert.Equal(2, code);
        Assert.Contains("wrong passphrase", stderr);

        (code, var stdout, stderr) = await TollgateProcess.RunWithInputAsync(Env("other"), "a long passphrase\n", "accounts", "import", bundle, "--passphrase-stdin");
        Assert.True(code == 0, stderr);
        Assert.Contains("Imported 1 account(s): main", stdout);

        // Rotating the new vault keeps the imported key usable (show reads it through the store).
        (code, stdout, stderr) = await TollgateProcess.RunAsync(Env("other"), "vault", "rotate");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env("other"), "a long passphrase\n", "accounts", "export", bundle + "2", "--passphrase-stdin");
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task WrongMasterPassphrase_ExitCode8_NothingOverwritten()
    {
        var (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env(extra: ("TOLLGATE_MASTER_KEY", "first passphrase")), Key + "\n", "accounts", "add", "main", "--base-url", "https://api.openai.com/v1", "--key-stdin");
        Assert.True(code == 0, stderr);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "data", "vault.key")));

        (code, _, stderr) = await TollgateProcess.RunWithInputAsync(Env(extra: ("TOLLGATE_MASTER_KEY", "other passphrase")), "sk-test-second-00000000000000\n", "accounts", "add", "second", "--base-url", "https://api.openai.com/v1", "--key-stdin");
        Assert.Equal(8, code);
        Assert.Contains("wrong master passphrase", stderr);

        (code, var stdout, _) = await TollgateProcess.RunAsync(Env(extra: ("TOLLGATE_MASTER_KEY", "first passphrase")), "accounts", "list", "--json");
        Assert.Equal(["main"], JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task NonLoopback_IsRefusedWithoutAccountsAndClientKeys()
    {
        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(extra: ("TOLLGATE_SERVER__ALLOW_NON_LOOPBACK", "true")), "serve", "--host", "0.0.0.0", "--port", "0");
        Assert.Equal(5, code);
        Assert.Contains("needs at least one account and one client key", stderr);

        (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "serve", "--host", "0.0.0.0", "--port", "0");
        Assert.Equal(5, code);
        Assert.Contains("allow_non_loopback", stderr);
    }

    [Fact]
    public async Task OnATerminal_TheKeyIsAskedForWithAMaskedPrompt()
    {
        var (code, output) = await TollgateProcess.RunInTerminalAsync(Env(), "API key for", Key + "\r", "accounts", "add", "typed", "--base-url", "https://api.openai.com/v1");
        Assert.True(code == 0, output);
        Assert.Contains("API key for", output);
        Assert.Contains(new string('*', Key.Length), output); // what the terminal showed while typing
        Assert.True(!output.Contains(Key, StringComparison.Ordinal), output);

        var (_, stdout, _) = await TollgateProcess.RunAsync(Env(), "accounts", "show", "typed", "--json");
        Assert.Equal("sk-test-cli-…abcd", JsonDocument.Parse(stdout).RootElement.GetProperty("keyFingerprint").GetString());
    }
}
