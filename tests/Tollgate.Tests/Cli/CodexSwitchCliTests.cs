using System.Text.Json;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate codex on/off/status</c> as a user runs them: messages and exit codes for the bad cases.</summary>
public sealed class CodexSwitchCliTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string CodexHome => _sandbox.CodexHome;

    private Dictionary<string, string> Env() => _sandbox.Env();

    [Fact]
    public async Task OnStatusOff_AndTheBadCases_ExitWithClearMessages()
    {
        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "codex", "on", "--port", "1");
        Assert.Equal(7, code);
        Assert.Contains("does not exist", stderr);

        Directory.CreateDirectory(CodexHome);
        var config = Path.Combine(CodexHome, "config.toml");
        await File.WriteAllTextAsync(config, "model = \n", TestContext.Current.CancellationToken);
        (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "codex", "on", "--port", "1");
        Assert.Equal(1, code);
        Assert.Contains("not valid TOML", stderr);
        Assert.Equal("model = \n", await File.ReadAllTextAsync(config, TestContext.Current.CancellationToken));

        (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "codex", "off");
        Assert.Equal(1, code); // still not valid TOML: nothing is touched

        await File.WriteAllTextAsync(config, "model = \"gpt-5\"\n", TestContext.Current.CancellationToken);
        (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "codex", "off");
        Assert.Equal(7, code);
        Assert.Contains("nothing to switch off", stderr);

        (code, var stdout, stderr) = await TollgateProcess.RunAsync(Env(), "codex", "on", "--port", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("nothing answers at http://127.0.0.1:1/v1", stderr);
        (code, stdout, _) = await TollgateProcess.RunAsync(Env(), "codex", "status", "--json");
        Assert.Equal("on", JsonDocument.Parse(stdout).RootElement.GetProperty("state").GetString());
        (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "codex", "off");
        Assert.True(code == 0, stderr);
        Assert.Equal("model = \"gpt-5\"\n", await File.ReadAllTextAsync(config, TestContext.Current.CancellationToken));
    }
}
