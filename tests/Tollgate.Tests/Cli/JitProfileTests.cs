using Tollgate.Cli;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Cli;

/// <summary>Start-up profiles: the gateway commands record one in the data folder; nothing else does.</summary>
public sealed class JitProfileTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    private string DataDir => Path.Combine(_sandbox.Dir.FullName, "data");

    private string Profiles => Path.Combine(DataDir, JitProfile.Folder);

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Serve_DataFolderExists_WritesItsProfileWhenStopped()
    {
        Directory.CreateDirectory(DataDir);

        Assert.Equal(0, await ServeUntilStoppedAsync(_sandbox.Env()));

        var profile = new FileInfo(Path.Combine(Profiles, "serve.jitprofile"));
        Assert.True(profile.Exists, "no profile in " + Profiles);
        Assert.True(profile.Length > 1000, $"the profile holds {profile.Length} bytes");
        Assert.Single(Directory.GetFiles(Profiles));
    }

    [Fact]
    public async Task Serve_TurnedOff_RecordsNothing()
    {
        Directory.CreateDirectory(DataDir);
        var env = _sandbox.Env();
        env["TOLLGATE_JIT_PROFILE"] = "0";

        Assert.Equal(0, await ServeUntilStoppedAsync(env));

        Assert.False(Directory.Exists(Profiles));
    }

    [Fact]
    public async Task Serve_FirstRunWithoutDataFolder_RecordsNothing()
    {
        Assert.Equal(0, await ServeUntilStoppedAsync(_sandbox.Env()));

        Assert.True(File.Exists(Path.Combine(DataDir, "tollgate.db"))); // serve made the folder for its store...
        Assert.False(Directory.Exists(Profiles)); // ...after the profile was decided against
    }

    [Fact]
    public async Task Reports_NeverRecord()
    {
        Directory.CreateDirectory(DataDir);

        var (code, _, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), "usage", "daily", "--json");
        var help = await TollgateProcess.RunAsync(_sandbox.Env(), "--help");

        Assert.True(code == 0, stderr);
        Assert.Equal(0, help.ExitCode);
        Assert.False(Directory.Exists(Profiles));
    }

    [Fact]
    public async Task Dashboard_GatewayAlreadyRunning_RecordsNothing()
    {
        // Only opening the page: a profile of that would replace the one of a real start.
        Directory.CreateDirectory(DataDir);
        await using var gateway = await TestGateway.StartAsync(settings: s => s with { Dashboard = true });
        var port = new Uri(gateway.BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, _, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), "dashboard", "--port", port, "--no-open");

        Assert.True(code == 0, stderr);
        Assert.False(Directory.Exists(Profiles));
    }

    [Fact]
    public void FileName_NamesTheCommand_TheRootIsTheTerminalUi()
    {
        var root = TollgateCli.Build();

        Assert.Equal("tui.jitprofile", JitProfile.FileName(root));
        Assert.Equal("dashboard.jitprofile", JitProfile.FileName(root.Subcommands.Single(c => c.Name == "dashboard")));
    }

    private static async Task<int> ServeUntilStoppedAsync(Dictionary<string, string> env)
    {
        await using var serve = TollgateProcess.Start(env, "serve", "--port", "0", "--upstream", "http://127.0.0.1:9");
        await serve.WaitForStderrAsync("listening on", TimeSpan.FromSeconds(60));
        serve.Terminate();
        return await serve.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }
}
