using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate doctor</c> as a user runs it: each check's finding, the exit code, and nothing changed.</summary>
public sealed class DoctorCliTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();
    private readonly TcpListener _upstream = new(IPAddress.Loopback, 0); // accepts connections, as an upstream would

    public DoctorCliTests() => _upstream.Start();

    public void Dispose()
    {
        _upstream.Dispose();
        _sandbox.Dispose();
    }

    private string Upstream => $"http://127.0.0.1:{((IPEndPoint)_upstream.LocalEndpoint).Port}";

    /// <summary>The sandbox, with every upstream on loopback and the gateway's port given.</summary>
    private Dictionary<string, string> Env(int port, string? openAi = null)
    {
        var env = _sandbox.Env();
        env["TOLLGATE_UPSTREAMS__OPENAI"] = openAi ?? Upstream + "/v1";
        env["TOLLGATE_UPSTREAMS__ANTHROPIC"] = Upstream;
        env["TOLLGATE_UPSTREAMS__CHATGPT"] = Upstream + "/backend-api/codex";
        env["TOLLGATE_SERVER__PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["XDG_CONFIG_HOME"] = Path.Combine(_sandbox.Dir.FullName, "config");
        return env;
    }

    private static async Task<(int Code, Dictionary<string, List<(string Level, string Detail)>> Findings)> DoctorAsync(Dictionary<string, string> env)
    {
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(env, "doctor", "--json");
        Assert.True(stdout.TrimStart().StartsWith('['), stderr);
        var findings = JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .GroupBy(f => f.GetProperty("check").GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(f => (f.GetProperty("level").GetString()!, f.GetProperty("detail").GetString()!)).ToList());
        return (code, findings);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task FreshMachine_EverythingOk_AndNothingIsCreated()
    {
        var port = FreePort();

        var (code, findings) = await DoctorAsync(Env(port));

        Assert.Equal(0, code);
        Assert.Equal(["config", "data", "gateway", "upstream", "codex"], findings.Keys);
        Assert.All(findings.Values.SelectMany(f => f), f => Assert.Equal("ok", f.Level));
        Assert.Contains("the defaults apply", findings["config"][0].Detail, StringComparison.Ordinal);
        Assert.Contains("does not exist yet", findings["data"][0].Detail, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port} is free", findings["gateway"][0].Detail, StringComparison.Ordinal);
        Assert.Equal(3, findings["upstream"].Count);
        Assert.False(Directory.Exists(Path.Combine(_sandbox.Dir.FullName, "data"))); // looked, changed nothing
    }

    [Fact]
    public async Task RunningGateway_IsFound_AndAStrangerOnThePortFails()
    {
        await using (var gateway = await TestGateway.StartAsync())
        {
            var (code, findings) = await DoctorAsync(Env(new Uri(gateway.BaseUrl).Port));
            Assert.Equal(0, code);
            Assert.StartsWith("running at http://127.0.0.1:", findings["gateway"][0].Detail, StringComparison.Ordinal);
        }

        using var stranger = new TcpListener(IPAddress.Loopback, 0);
        stranger.Start();
        var (strangerCode, strangerFindings) = await DoctorAsync(Env(((IPEndPoint)stranger.LocalEndpoint).Port));
        Assert.Equal(1, strangerCode);
        Assert.Equal("failure", strangerFindings["gateway"][0].Level);
        Assert.Contains("taken by another program", strangerFindings["gateway"][0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableUpstream_Fails_AndTheRestIsStillChecked()
    {
        var (code, findings) = await DoctorAsync(Env(FreePort(), openAi: "http://127.0.0.1:9/v1")); // nothing listens on the discard port

        Assert.Equal(1, code);
        var openAi = findings["upstream"].Single(f => f.Detail.StartsWith("OpenAI", StringComparison.Ordinal));
        Assert.Equal("failure", openAi.Level);
        Assert.Contains("cannot connect to 127.0.0.1:9", openAi.Detail, StringComparison.Ordinal);
        Assert.Equal(2, findings["upstream"].Count(f => f.Level == "ok"));
        Assert.Equal("ok", findings["codex"][0].Level);
    }

    [Fact]
    public async Task BadConfig_Fails_NamingTheField_AndLeavesThePortAndUpstreamsUnchecked()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_sandbox.Dir.FullName, "config", "tollgate"));
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "tollgate.toml"), "[server]\nprot = 1\n", TestContext.Current.CancellationToken);

        var (code, findings) = await DoctorAsync(Env(FreePort()));

        Assert.Equal(1, code);
        Assert.Equal("failure", findings["config"][0].Level);
        Assert.Contains("prot", findings["config"][0].Detail, StringComparison.Ordinal);
        Assert.Equal([("warning", "not checked until the config loads")], findings["upstream"]);
        Assert.Equal("warning", findings["gateway"][0].Level);
    }

    [Fact]
    public async Task CodexOnAnotherPort_IsAWarning()
    {
        var port = FreePort();
        Directory.CreateDirectory(_sandbox.CodexHome);
        var on = await TollgateProcess.RunAsync(Env(port), "codex", "on", "--port", "1234");
        Assert.Equal(0, on.ExitCode);

        var (code, findings) = await DoctorAsync(Env(port));

        Assert.Equal(0, code); // a warning is not a failure
        Assert.Equal("warning", findings["codex"][0].Level);
        Assert.Contains($"the gateway is set to port {port}", findings["codex"][0].Detail, StringComparison.Ordinal);
    }
}
