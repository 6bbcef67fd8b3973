namespace Tollgate.Tests.Cli;

/// <summary>What a run leaves behind on the terminal it ran in.</summary>
public sealed class TerminalModesTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>
    /// .NET switches an xterm's keypad and cursor keys to application mode when the console is
    /// first used and leaves them so; the run switches them back as its last output, also when
    /// it ends in a usage error.
    /// </summary>
    [Theory]
    [InlineData("--version")]
    [InlineData("--no-such-option")]
    public async Task OnATerminal_TheKeypadModeDotNetSwitchedOn_IsSwitchedOffAtTheEnd(string argument)
    {
        var env = _sandbox.Env();
        env["TERM"] = "xterm-256color";

        var (_, output) = await TollgateProcess.RunInTerminalAsync(env, prompt: "", typed: "", argument);

        var on = output.IndexOf("\e[?1h\e=", StringComparison.Ordinal);
        Assert.True(on >= 0, "the runtime no longer switches the keypad on; this restore may be obsolete: " + output);
        Assert.EndsWith("\e[?1l\e>", output.TrimEnd('\r', '\n'), StringComparison.Ordinal);
        Assert.True(output.LastIndexOf("\e[?1h\e=", StringComparison.Ordinal) < output.LastIndexOf("\e[?1l\e>", StringComparison.Ordinal));
    }
}
