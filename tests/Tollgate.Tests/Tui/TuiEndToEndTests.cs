using System.Diagnostics;
using System.Text.RegularExpressions;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Tests.Cli;
using Tollgate.Tests.Infrastructure;
using Tollgate.Tests.Proxy;

namespace Tollgate.Tests.Tui;

/// <summary>
/// What a person sees: the real <c>tollgate</c> (no arguments) in an 80×24 tmux pane with a fake
/// upstream on loopback; a call through the gateway appears as a row, <c>q</c> quits, and the call
/// is in the store; with <c>NO_COLOR</c> nothing is coloured. Needs tmux: skipped without it unless <c>TOLLGATE_REQUIRE_TMUX=1</c> (CI sets it).
/// </summary>
public sealed partial class TuiEndToEndTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();
    private readonly string _socket = "tollgate-test-" + Guid.NewGuid().ToString("N")[..12];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (HasTmux())
        {
            // Ends the pane's processes too, if the test failed before q.
            RunTmux("kill-server").WaitForExit(10_000);
        }

        _sandbox.Dispose();
    }

    [Fact]
    public async Task Tollgate_NoArguments_ShowsACallAsItFinishes_QuitLeavesItInTheStore()
    {
        if (!HasTmux())
        {
            Assert.True(Environment.GetEnvironmentVariable("TOLLGATE_REQUIRE_TMUX") != "1", "tmux is required (TOLLGATE_REQUIRE_TMUX=1) but not installed: apt-get install tmux");
            Assert.Skip("tmux is not installed: 'apt-get install tmux' to run this end-to-end test (TOLLGATE_REQUIRE_TMUX=1 makes a missing tmux a failure)");
        }

        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteSseAsync(ctx.Response, Wire.ResponsesSseEvents("r1", "gpt-5.1-codex", ["hi"], new OpenAITokens(1200, 1000, 300, 120)))));
        var exitFile = Path.Combine(_sandbox.Dir.FullName, "exit-code");
        var dll = Path.Combine(AppContext.BaseDirectory, "tollgate.dll");
        var command = $"dotnet '{dll}' --port 0 --upstream '{fake.BaseUrl}/v1' 2>'{_sandbox.Dir.FullName}/stderr'; echo $? > '{exitFile}'";
        Assert.Equal(0, await WaitAsync(RunTmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "tui", command)));

        var banner = await ScreenAsync(s => ListeningUrl().IsMatch(s), TimeSpan.FromSeconds(60));
        var url = ListeningUrl().Match(banner).Groups[1].Value;
        using (var http = new HttpClient())
        {
            var response = await http.PostAsync(url + "/v1/responses", FaultTests.Json("""{"model":"gpt-5.1-codex","stream":true}"""), Ct);
            Assert.Contains("response.completed", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // The row comes with the live feed; the totals follow within a second.
        var screen = await ScreenAsync(s => s.Contains("gpt-5.1-codex", StringComparison.Ordinal) && s.Contains("1,500", StringComparison.Ordinal) && !s.Contains("Today              0", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var row = screen.Split('\n').Single(l => l.Contains("gpt-5.1-codex", StringComparison.Ordinal));
        Assert.Matches(@"\d\d:\d\d:\d\d gpt-5\.1-codex +— +200 +\d+ms +1,500 +\$0\.0034", row);
        Assert.Matches(@"Today +1 +200 +1,000 +180 +120 +1,500 +\$0\.0034", screen);
        Assert.DoesNotContain("info:", screen, StringComparison.Ordinal); // logs go to the file, never over the UI

        // NO_COLOR: the add dialog, the most coloured thing on screen, has no colour code, only reverse and underline.
        Assert.Equal(0, await WaitAsync(RunTmux("send-keys", "-t", "tui", "a")));
        await ScreenAsync(s => s.Contains("Add account", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.DoesNotMatch(@"\e\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)[;m]", await CaptureAsync(escapes: true));
        Assert.Equal(0, await WaitAsync(RunTmux("send-keys", "-t", "tui", "Escape")));
        await ScreenAsync(s => !s.Contains("Add account", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        Assert.Equal(0, await WaitAsync(RunTmux("send-keys", "-t", "tui", "q")));
        for (var i = 0; i < 600 && !File.Exists(exitFile); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.True(File.Exists(exitFile), "tollgate did not exit within 60 s of q: " + await CaptureAsync());
        Assert.Equal("0", (await File.ReadAllTextAsync(exitFile, Ct)).Trim());
        var store = new SqliteUsageStore(new SqliteDatabase(Path.Combine(_sandbox.Dir.FullName, "data", "tollgate.db")));
        var records = new List<UsageRecord>();
        await foreach (var r in store.ReadAsync(new UsageQuery(), Ct))
        {
            records.Add(r);
        }

        var record = Assert.Single(records);
        Assert.Equal(("gpt-5.1-codex", 200, 1500L), (record.Model, record.Status, record.Usage?.TotalTokens ?? 0));
        Assert.Contains("Now listening on", await File.ReadAllTextAsync(Path.Combine(_sandbox.Dir.FullName, "data", "logs", "tui.log"), Ct), StringComparison.Ordinal);
    }

    private static bool HasTmux()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("tmux", "-V") { RedirectStandardOutput = true, RedirectStandardError = true });
            return probe is not null && probe.WaitForExit(10_000) && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>tmux on this test's own server (socket), which starts with this environment: the sandbox's folders, UTC, no colour.</summary>
    private Process RunTmux(params string[] args)
    {
        var info = new ProcessStartInfo("tmux", ["-L", _socket, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment.Clear();
        foreach (var name in new[] { "PATH", "DOTNET_ROOT", "DOTNET_CLI_HOME" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                info.Environment[name] = value;
            }
        }

        foreach (var (name, value) in _sandbox.Env())
        {
            info.Environment[name] = value;
        }

        info.Environment["TERM"] = "xterm-256color";
        info.Environment["TZ"] = "UTC";
        info.Environment["NO_COLOR"] = "1";
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(_sandbox.Dir.FullName, "config");
        return Process.Start(info)!;
    }

    private static async Task<int> WaitAsync(Process process)
    {
        using (process)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            limit.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(limit.Token);
            return process.ExitCode;
        }
    }

    /// <param name="escapes">With the colour and style codes (<c>capture-pane -e</c>).</param>
    private async Task<string> CaptureAsync(bool escapes = false)
    {
        using var capture = escapes ? RunTmux("capture-pane", "-e", "-p", "-t", "tui") : RunTmux("capture-pane", "-p", "-t", "tui");
        var text = await capture.StandardOutput.ReadToEndAsync(Ct);
        await capture.WaitForExitAsync(Ct);
        return text;
    }

    /// <summary>Reads the pane until it shows what is expected (bounded); fails with the last screen.</summary>
    private async Task<string> ScreenAsync(Func<string, bool> shows, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var screen = "";
        while (watch.Elapsed < timeout)
        {
            screen = await CaptureAsync();
            if (shows(screen))
            {
                return screen;
            }

            await Task.Delay(100, Ct);
        }

        var stderr = Path.Combine(_sandbox.Dir.FullName, "stderr");
        Assert.Fail($"the screen did not show what was expected within {timeout.TotalSeconds} s:\n{screen}\nstderr: {(File.Exists(stderr) ? await File.ReadAllTextAsync(stderr, Ct) : "")}");
        return screen;
    }

    [GeneratedRegex(@"gateway on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningUrl();
}
