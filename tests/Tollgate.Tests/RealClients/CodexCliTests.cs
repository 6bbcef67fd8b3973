using System.Collections.Concurrent;
using System.Text.Json;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.RealClients;

/// <summary>
/// The real Codex CLI 0.169 (<c>codex exec --json</c>) through the real gateway to a fake
/// upstream, in the two ways Codex reaches a gateway (FACTS §1): a custom provider (HTTP SSE)
/// and the built-in provider via <c>openai_base_url</c> (the Responses WebSocket first, HTTP
/// after a 426). Each turn must succeed with no retry, and what the gateway stores must equal,
/// token for token, both what the fake sent and what Codex itself reports.
/// </summary>
public sealed class CodexCliTests : IDisposable
{
    private const string Model = "gpt-5.1-codex";
    private const string Reply = "hi from fake";
    private const string CustomKey = "sk-tollgate-test-custom";
    private const string BuiltInKey = "sk-tollgate-test-builtin";

    private static readonly OpenAITokens TurnTokens = new(Input: 1234, Cached: 1000, Output: 56, Reasoning: 20);
    private static readonly TokenUsage TurnUsage = new(1234, 1000, 0, 56, 20);

    // gpt-5.1-codex: 1.25 / 0.125 / 10 USD per 1M; the 234 uncached input tokens at the input rate.
    private static readonly decimal TurnCost = (234 * 1.25m + 1000 * 0.125m + 56 * 10m) / 1_000_000m;

    // Codex ignores the warm-up's usage; the gateway meters it as a call of its own.
    private static readonly OpenAITokens WarmupTokens = new(Input: 601, Cached: 0, Output: 0, Reasoning: 0);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-codex-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task CodexExec_CustomProviderOverHttp_OneCallMeteredExactly()
    {
        var codex = InstalledClients.Codex();
        await using var fake = await FakeUpstream.StartAsync(app => app.MapPost("/v1/responses", ctx =>
            Wire.WriteSseAsync(ctx.Response, Wire.ResponsesEvents("resp_http_turn", Model, [Reply], TurnTokens))));
        await using var gateway = await TestGateway.StartAsync(openAiBase: fake.BaseUrl + "/v1");

        var output = await RunCodexAsync(
            codex,
            $"""
            model_provider = "tollgate"

            [model_providers.tollgate]
            name = "Tollgate"
            base_url = "{gateway.BaseUrl}/v1"
            wire_api = "responses"
            env_key = "TOLLGATE_TEST_KEY"
            """,
            ("TOLLGATE_TEST_KEY", CustomKey));

        AssertCleanTurn(output);
        Assert.Equal(TurnUsage, output.TurnUsage);

        var request = Assert.Single(fake.Requests);
        Assert.Equal(("POST", "/v1/responses"), (request.Method, request.Path));
        Assert.Equal("Bearer " + CustomKey, request.Headers["authorization"]);
        Assert.Equal(output.ThreadId, request.Headers["session-id"]);

        var record = Assert.Single(await StoredRecordsAsync(gateway));
        AssertTurnRecord(record, output.ThreadId, "http");
        Assert.Equal("resp_http_turn", record.ResponseId);

        // Codex's own log of the same turn, ingested into the same store: the session is
        // described, and the call — already metered by the gateway — is counted once.
        var ingested = await new CodexIngester(gateway.Store, PriceTable.Create(null), TimeProvider.System)
            .IngestAsync([Path.Combine(_dir.FullName, "codex_home")], Ct);
        Assert.Equal((1, 1), (ingested.FilesRead, ingested.CallsAdded));
        var counted = await gateway.ReadStoreAsync();
        Assert.Equal(record.Id, Assert.Single(counted).Id);
        var all = new List<UsageRecord>();
        await foreach (var r in gateway.Store.ReadAsync(new UsageQuery(IncludeDuplicates: true), Ct))
        {
            all.Add(r);
        }

        Assert.Equal(record.Id, all.Single(r => r.Source == CodexIngester.Source).DuplicateOf);
        var day = Assert.Single(await gateway.Store.ReadDaysAsync(null, null, null, TimeZoneInfo.Utc, Ct));
        Assert.Equal((1L, TurnUsage), (day.Totals.Requests, day.Totals.Tokens));
        var session = Assert.Single(await gateway.Store.ReadCodexSessionsAsync(null, Ct));
        Assert.Equal((output.ThreadId, "codex_exec", "0.169.0", Model, "say hi"), (session.Id, session.Originator, session.CliVersion, session.Model, session.FirstPrompt));
        Assert.Equal(Path.Combine(_dir.FullName, "cwd"), session.Cwd);
        Assert.Equal(TurnUsage.InputTokens, session.LastInputTokens);
        Assert.True(session.ContextWindow > 0);
    }

    [Fact]
    public async Task CodexExec_BuiltInProviderOverWebSocket_WarmupAndTurnMeteredOnTheSocket()
    {
        var codex = InstalledClients.Codex();
        var frames = new ConcurrentQueue<string>();
        await using var fake = await FakeUpstream.StartAsync(app => app.Map("/v1/responses", ctx => ctx.WebSockets.IsWebSocketRequest
            ? FakeResponses.ServeSocketAsync(ctx, AnswerOnSocket, frames)
            : Wire.WriteSseAsync(ctx.Response, Wire.ResponsesEvents("resp_http_fallback", Model, [Reply], TurnTokens))));
        await using var gateway = await TestGateway.StartAsync(openAiBase: fake.BaseUrl + "/v1");

        var output = await RunCodexAsync(codex, $"openai_base_url = \"{gateway.BaseUrl}/v1\"", ("CODEX_API_KEY", BuiltInKey));

        AssertCleanTurn(output);
        Assert.Equal(TurnUsage, output.TurnUsage); // the warm-up's usage is not Codex's

        // One socket for the whole session, no HTTP fallback.
        var upgrade = Assert.Single(fake.Requests);
        Assert.Equal(("GET", "/v1/responses", "websocket"), (upgrade.Method, upgrade.Path, upgrade.Headers["upgrade"].ToLowerInvariant()));
        Assert.Equal("Bearer " + BuiltInKey, upgrade.Headers["authorization"]);
        Assert.StartsWith("responses_websockets=", upgrade.Headers["openai-beta"], StringComparison.Ordinal);

        // The warm-up (generate:false), then the turn chained to it, both on that socket.
        var creates = frames.Select(f => JsonSerializer.Deserialize<JsonElement>(f)).ToList();
        Assert.Equal(2, creates.Count);
        Assert.All(creates, c => Assert.Equal("response.create", c.GetProperty("type").GetString()));
        Assert.Equal(JsonValueKind.False, creates[0].GetProperty("generate").ValueKind);
        Assert.False(creates[1].TryGetProperty("generate", out _));
        Assert.Equal("resp_ws_warmup", creates[1].GetProperty("previous_response_id").GetString());

        var records = await StoredRecordsAsync(gateway);
        Assert.Equal(2, records.Count);
        var warmup = Assert.Single(records, r => r.ResponseId == "resp_ws_warmup");
        Assert.Equal(new TokenUsage(601, 0, 0, 0, 0), warmup.Usage);
        Assert.Equal(601 * 1.25m / 1_000_000m, warmup.CostUsd);
        Assert.Equal(CallOutcome.Success, warmup.Outcome);
        Assert.Equal(("websocket", 200, output.ThreadId), (warmup.Transport, warmup.Status, warmup.SessionId));
        var turn = Assert.Single(records, r => r.ResponseId == "resp_ws_turn");
        AssertTurnRecord(turn, output.ThreadId, "websocket");
        Assert.True(warmup.Time <= turn.Time, "the warm-up comes first");
    }

    [Fact]
    public async Task CodexExec_UpstreamRefusesWebSocket_FallsBackToHttpWithoutRetries()
    {
        var codex = InstalledClients.Codex();
        await using var fake = await FakeUpstream.StartAsync(app =>
        {
            app.MapGet("/v1/responses", () => Results.NotFound(new { error = new { message = "websocket not supported", type = "invalid_request_error" } }));
            app.MapPost("/v1/responses", ctx => Wire.WriteSseAsync(ctx.Response, Wire.ResponsesEvents("resp_http_turn", Model, [Reply], TurnTokens)));
        });
        await using var gateway = await TestGateway.StartAsync(openAiBase: fake.BaseUrl + "/v1");

        var output = await RunCodexAsync(codex, $"openai_base_url = \"{gateway.BaseUrl}/v1\"", ("CODEX_API_KEY", BuiltInKey));

        // A 404 would show "Reconnecting... n/5" error events and a "Falling back" item; the
        // gateway's 426 makes Codex switch to HTTP on the first refusal.
        AssertCleanTurn(output);
        Assert.Equal(TurnUsage, output.TurnUsage);

        var requests = fake.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(("GET", "websocket"), (requests[0].Method, requests[0].Headers["upgrade"].ToLowerInvariant()));
        Assert.Equal(("POST", "/v1/responses"), (requests[1].Method, requests[1].Path));
        Assert.Equal("Bearer " + BuiltInKey, requests[1].Headers["authorization"]);

        // The refused upgrade is no model call; the HTTP turn is the only record.
        var record = Assert.Single(await StoredRecordsAsync(gateway));
        AssertTurnRecord(record, output.ThreadId, "http");
    }

    [Fact]
    public async Task TollgateCodexOn_PutsTheRealCodexBehindTheGateway_OffRestoresTheBytes_AndTheSessionStillResumes()
    {
        var codex = InstalledClients.Codex();
        await using var fake = await FakeUpstream.StartAsync(app =>
        {
            app.MapGet("/v1/responses", () => Results.NotFound(new { error = new { message = "websocket not supported", type = "invalid_request_error" } }));
            app.MapPost("/v1/responses", ctx => Wire.WriteSseAsync(ctx.Response, Wire.ResponsesEvents("resp_http_turn", Model, [Reply], TurnTokens)));
        });
        await using var gateway = await TestGateway.StartAsync(openAiBase: fake.BaseUrl + "/v1");
        var home = _dir.CreateSubdirectory("home").FullName;
        var codexHome = _dir.CreateSubdirectory("codex_home").FullName;
        var cwd = _dir.CreateSubdirectory("cwd").FullName;
        var configPath = Path.Combine(codexHome, "config.toml");
        const string original = "# my settings\nmodel_reasoning_effort = \"low\"\n\n# quiet\n[tui]\nnotifications = false\n";
        await File.WriteAllTextAsync(configPath, original, Ct);
        var env = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["CODEX_HOME"] = codexHome,
            ["TOLLGATE_DATA_DIR"] = _dir.CreateSubdirectory("tollgate-cli").FullName,
        };

        var (code, stdout, stderr) = await Cli.TollgateProcess.RunAsync(env, "codex", "on", "--port", new Uri(gateway.BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, stderr);
        Assert.Contains("Restart running Codex sessions", stdout);
        Assert.DoesNotContain("nothing answers", stderr);

        var codexEnv = new Dictionary<string, string>(env) { ["CODEX_API_KEY"] = BuiltInKey };
        var output = CodexOutput.Parse(await ClientProcess.RunAsync(codex, ["exec", "--skip-git-repo-check", "-s", "read-only", "--json", "-m", Model, "say hi"], cwd, codexEnv, Ct));
        AssertCleanTurn(output);
        var record = Assert.Single(await gateway.WaitForRecordsAsync(1));
        AssertTurnRecord(record, output.ThreadId, "http");

        (code, _, stderr) = await Cli.TollgateProcess.RunAsync(env, "codex", "off");
        Assert.True(code == 0, stderr);
        Assert.Equal(original, await File.ReadAllTextAsync(configPath, Ct));

        // The session was recorded with Codex's own provider: it resumes after off (here pointed
        // straight at the fake upstream, since the real default needs the internet).
        var resumed = CodexOutput.Parse(await ClientProcess.RunAsync(
            codex,
            ["exec", "--skip-git-repo-check", "--json", "-m", Model, "-c", $"openai_base_url=\"{fake.BaseUrl}/v1\"", "resume", output.ThreadId, "say hi again"],
            cwd,
            codexEnv,
            Ct));
        Assert.True(resumed.Run.ExitCode == 0, resumed.Run.Output);
        Assert.Equal(output.ThreadId, resumed.ThreadId);
        Assert.Equal([Reply], resumed.AgentMessages);
        Assert.Equal(2, fake.Requests.Count(r => r.Method == "POST"));
    }

    private static IReadOnlyList<WireEvent> AnswerOnSocket(JsonElement create)
    {
        var model = create.GetProperty("model").GetString()!;
        return create.TryGetProperty("generate", out var generate) && generate.ValueKind == JsonValueKind.False
            ? Wire.ResponsesWarmupEvents("resp_ws_warmup", model, WarmupTokens)
            : Wire.ResponsesEvents("resp_ws_turn", model, [Reply], TurnTokens);
    }

    private async Task<CodexOutput> RunCodexAsync(string codex, string configToml, params (string Name, string Value)[] environment)
    {
        var home = _dir.CreateSubdirectory("home").FullName;
        var codexHome = _dir.CreateSubdirectory("codex_home").FullName;
        var cwd = _dir.CreateSubdirectory("cwd").FullName;
        await File.WriteAllTextAsync(Path.Combine(codexHome, "config.toml"), configToml + "\n", Ct);

        var env = new Dictionary<string, string> { ["HOME"] = home, ["CODEX_HOME"] = codexHome };
        foreach (var (name, value) in environment)
        {
            env[name] = value;
        }

        var run = await ClientProcess.RunAsync(codex, ["exec", "--skip-git-repo-check", "-s", "read-only", "--json", "-m", Model, "say hi"], cwd, env, Ct);
        return CodexOutput.Parse(run);
    }

    /// <summary>Exit 0, one thread, one turn, one answer, and nothing retried or failed.</summary>
    private static void AssertCleanTurn(CodexOutput output)
    {
        Assert.True(output.Run.ExitCode == 0, output.Run.Output);
        output.Single("thread.started");
        output.Single("turn.completed");
        Assert.True(output.Problems.Count == 0, $"retries or failures:\n{string.Join('\n', output.Problems)}\n{output.Run.Output}");
        Assert.Equal([Reply], output.AgentMessages);
    }

    private static void AssertTurnRecord(UsageRecord record, string threadId, string transport)
    {
        Assert.Equal(TurnUsage, record.Usage);
        Assert.Equal(UsageState.Reported, record.UsageState);
        Assert.Equal(TurnCost, record.CostUsd);
        Assert.Equal(Model, record.Model);
        Assert.Equal(transport, record.Transport);
        Assert.Equal(200, record.Status);
        Assert.Equal(CallOutcome.Success, record.Outcome);
        Assert.Equal("openai", record.Service);
        Assert.Equal("/v1/responses", record.Endpoint);
        Assert.Equal(threadId, record.SessionId);
        Assert.True(record.Stream);
    }

    /// <summary>Stops the gateway (which drains the writer) and reads what reached SQLite: exact counts, nothing in flight.</summary>
    private static async Task<IReadOnlyList<UsageRecord>> StoredRecordsAsync(TestGateway gateway)
    {
        await gateway.StopAsync();
        return await gateway.ReadStoreAsync();
    }
}
