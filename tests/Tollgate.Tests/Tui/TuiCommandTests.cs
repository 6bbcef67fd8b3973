using Tollgate.Tests.Cli;
using Tollgate.Tests.Proxy;

namespace Tollgate.Tests.Tui;

/// <summary>How <c>tollgate</c>, <c>tollgate tui</c> and <c>--attach</c> refuse to start: the message and the exit code.</summary>
public sealed class TuiCommandTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData]
    [InlineData("tui")]
    [InlineData("tui", "--attach", "http://127.0.0.1:8787")]
    public async Task Tui_OutputRedirected_SaysItNeedsATerminalAndExits9(params string[] args)
    {
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), args);

        Assert.Equal(9, code);
        Assert.Equal("", stdout);
        Assert.Contains("the terminal UI needs a terminal", stderr, StringComparison.Ordinal);
        Assert.Contains("tollgate serve", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_sandbox.Dir.FullName, "data", "tollgate.db"))); // no gateway was started
    }

    [Fact]
    public async Task Attach_NothingListening_SaysSoAndExits10()
    {
        var port = FaultTests.ClosedPort();

        var (code, output) = await TollgateProcess.RunInTerminalAsync(_sandbox.Env(), "", "", "tui", "--attach", $"http://127.0.0.1:{port}");

        Assert.Equal(10, code);
        Assert.Contains($"no Tollgate gateway answers at http://127.0.0.1:{port}/", output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_NotAUrl_IsAnArgumentError()
    {
        var (code, output) = await TollgateProcess.RunInTerminalAsync(_sandbox.Env(), "", "", "tui", "--attach", "localhost:8787");

        Assert.Equal(2, code);
        Assert.Contains("--attach must be a gateway's http(s) URL", output, StringComparison.Ordinal);
    }
}
