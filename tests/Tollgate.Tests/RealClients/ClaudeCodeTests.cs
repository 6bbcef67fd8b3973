using System.Text;
using System.Text.Json;
using Tollgate.Core.Usage;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.RealClients;

/// <summary>
/// The real Claude Code 2.1.197 (<c>claude -p --output-format json</c>) through the real
/// gateway to a fake Anthropic upstream. Claude's JSON result repeats the usage it received, so
/// it proves the stream passed through untouched; the gateway's record must fold Anthropic's
/// additive fields into input-includes-cache once (FACTS §4).
/// </summary>
public sealed class ClaudeCodeTests : IDisposable
{
    private const string Reply = "hi from fake";
    private const string ApiKey = "sk-ant-tollgate-test-dummy";

    private static readonly AnthropicTokens Tokens = new(Input: 321, CacheWrite: 100, CacheRead: 2000, Output: 45);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-claude-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task ClaudePrint_ThroughGateway_UsagePassesThroughAndCacheFoldsIntoInput()
    {
        var claude = InstalledClients.Claude();
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/messages", async ctx =>
        {
            using var body = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            var model = body.RootElement.GetProperty("model").GetString()!;

            // The real API's full sequence, each event with its event: line: with less, Claude
            // retries without streaming or drops the usage from its result.
            await Wire.WriteSseAsync(ctx.Response, Wire.AnthropicSseEvents("msg_tollgate_claude", model, [Reply], Tokens));
        }));
        await using var gateway = await TestGateway.StartAsync(anthropicBase: fake.BaseUrl);

        var home = _dir.CreateSubdirectory("home");
        var config = home.CreateSubdirectory(".claude");
        var cwd = _dir.CreateSubdirectory("cwd");
        var run = await RunClaudeAsync(claude, cwd.FullName, new Dictionary<string, string>
        {
            ["HOME"] = home.FullName,
            ["CLAUDE_CONFIG_DIR"] = config.FullName,
            ["ANTHROPIC_BASE_URL"] = gateway.BaseUrl, // no /v1: Claude appends /v1/messages
            ["DISABLE_TELEMETRY"] = "1",
        });

        Assert.True(run.ExitCode == 0, run.Output);
        using var json = JsonDocument.Parse(run.Stdout);
        var result = json.RootElement;
        Assert.Equal(("result", false, Reply), (result.GetProperty("type").GetString(), result.GetProperty("is_error").GetBoolean(), result.GetProperty("result").GetString()));
        var usage = result.GetProperty("usage");
        Assert.Equal(
            (321, 100, 2000, 45),
            (usage.GetProperty("input_tokens").GetInt32(), usage.GetProperty("cache_creation_input_tokens").GetInt32(), usage.GetProperty("cache_read_input_tokens").GetInt32(), usage.GetProperty("output_tokens").GetInt32()));

        // One streamed request per prompt, query and key passed through as sent.
        var request = Assert.Single(fake.Requests);
        Assert.Equal(("POST", "/v1/messages", "?beta=true"), (request.Method, request.Path, request.Query));
        Assert.Equal(ApiKey, request.Headers["x-api-key"]);
        using var sent = JsonDocument.Parse(request.Body);
        var model = sent.RootElement.GetProperty("model").GetString();

        await gateway.StopAsync(); // drains the writer: what is stored is all there is
        var record = Assert.Single(await gateway.ReadStoreAsync());
        Assert.Equal(new TokenUsage(InputTokens: 321 + 2000 + 100, CachedInputTokens: 2000, CacheWriteTokens: 100, OutputTokens: 45, ReasoningTokens: 0), record.Usage);
        Assert.Equal(UsageState.Reported, record.UsageState);
        Assert.Equal(("anthropic", "/v1/messages", "http", 200, CallOutcome.Success), (record.Service, record.Endpoint, record.Transport, record.Status, record.Outcome));
        Assert.Equal(model, record.Model);
        Assert.Equal(result.GetProperty("session_id").GetString(), record.SessionId);
        Assert.True(record.Stream);
    }

    [Fact]
    public async Task TollgateClaudeOn_ThroughSettingsJsonAlone_TheRealClaudeIsMetered_AndOffRestoresTheBytes()
    {
        var claude = InstalledClients.Claude();
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/messages", async ctx =>
        {
            using var body = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            await Wire.WriteSseAsync(ctx.Response, Wire.AnthropicSseEvents("msg_tollgate_claude_on", body.RootElement.GetProperty("model").GetString()!, [Reply], Tokens));
        }));
        await using var gateway = await TestGateway.StartAsync(anthropicBase: fake.BaseUrl);
        var home = _dir.CreateSubdirectory("home");
        var config = home.CreateSubdirectory(".claude");
        var cwd = _dir.CreateSubdirectory("cwd");
        var settingsPath = Path.Combine(config.FullName, "settings.json");

        // Claude Code 2.1.197 ignores a settings.json with comments or trailing commas ("Invalid JSON
        // syntax in settings file"), so this one is plain JSON, with a BOM, tabs and CRLF.
        const string original = "\uFEFF{\r\n\t\"env\": {\r\n\t\t\"DISABLE_TELEMETRY\": \"1\"\r\n\t},\r\n\t\"includeCoAuthoredBy\": false\r\n}\r\n";
        await File.WriteAllBytesAsync(settingsPath, Encoding.UTF8.GetBytes(original), Ct);
        var env = new Dictionary<string, string>
        {
            ["HOME"] = home.FullName,
            ["CLAUDE_CONFIG_DIR"] = config.FullName,
            ["TOLLGATE_DATA_DIR"] = _dir.CreateSubdirectory("tollgate-cli").FullName, // no accounts: pass-through, no client key
        };

        var (code, stdout, stderr) = await Cli.TollgateProcess.RunAsync(env, "claude", "on", "--port", new Uri(gateway.BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, stderr);
        Assert.Contains("Restart running Claude Code sessions", stdout);
        Assert.DoesNotContain("nothing answers", stderr);
        Assert.DoesNotContain("warning", stderr);

        // No ANTHROPIC_BASE_URL in Claude's environment: the gateway's address can only come from settings.json.
        var run = await RunClaudeAsync(claude, cwd.FullName, env);

        Assert.True(run.ExitCode == 0, run.Output);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(Reply, json.RootElement.GetProperty("result").GetString());
        var request = Assert.Single(fake.Requests);
        Assert.Equal(ApiKey, request.Headers["x-api-key"]); // pass-through: Claude's own credential goes upstream
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        Assert.Equal(("anthropic", "/v1/messages", 200, CallOutcome.Success), (record.Service, record.Endpoint, record.Status, record.Outcome));
        Assert.Equal(new TokenUsage(InputTokens: 321 + 2000 + 100, CachedInputTokens: 2000, CacheWriteTokens: 100, OutputTokens: 45, ReasoningTokens: 0), record.Usage);
        Assert.Equal(json.RootElement.GetProperty("session_id").GetString(), record.SessionId);

        (code, _, stderr) = await Cli.TollgateProcess.RunAsync(env, "claude", "off");
        Assert.True(code == 0, stderr);
        Assert.Equal(Encoding.UTF8.GetBytes(original), await File.ReadAllBytesAsync(settingsPath, Ct));
    }

    /// <summary><c>claude -p --output-format json "say hi"</c> with the test key and without nonessential traffic, plus <paramref name="environment"/>.</summary>
    private static Task<ClientRun> RunClaudeAsync(string claude, string cwd, IReadOnlyDictionary<string, string> environment) =>
        ClientProcess.RunAsync(
            claude,
            ["-p", "--output-format", "json", "say hi"],
            cwd,
            new Dictionary<string, string>(environment)
            {
                ["ANTHROPIC_API_KEY"] = ApiKey,
                ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
                ["DISABLE_ERROR_REPORTING"] = "1",
                ["DISABLE_AUTOUPDATER"] = "1",
            },
            Ct);
}
