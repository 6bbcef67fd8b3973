#pragma warning disable OPENAI001 // the Responses client is marked experimental in the SDK
using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OpenAI.Responses;
using Tollgate.Core.Accounts;
using Tollgate.Core.Routing;
using Tollgate.Core.Usage;
using Tollgate.Hosting;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Routing;

/// <summary>
/// The real gateway with accounts, in front of fake upstreams that each stand in for one account:
/// failover, credentials, affinity, cooldown, client keys, the vault across restarts.
/// </summary>
public sealed class AccountRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<string> AddAccountsAsync(string dataDir, params (AccountUpstream Upstream, int Priority)[] accounts) =>
        TestAccounts.AddWithClientKeyAsync(dataDir, accounts.Select(a => (Account(a.Upstream.Name, a.Upstream.Fake.BaseUrl + "/v1", a.Priority), (string?)a.Upstream.Key)).ToArray());

    private static Account Account(string name, string baseUrl, int priority = 0, ProviderKind provider = ProviderKind.OpenAI) =>
        new() { Id = Guid.CreateVersion7(), Name = name, Provider = provider, BaseUrl = baseUrl, Priority = priority };

    private static Func<GatewaySettings, GatewaySettings> Routing(RoutingStrategy strategy, TimeProvider? time = null, ExhaustedBehavior onExhausted = ExhaustedBehavior.Fallback) => s => s with
    {
        Time = time ?? s.Time,
        Routing = new RoutingOptions
        {
            Pools = new Dictionary<string, PoolOptions> { ["openai"] = new() { Strategy = strategy, OnExhausted = onExhausted, MaxAttempts = 3 } },
        },
    };

    private static HttpRequestMessage Post(TestGateway gateway, string key, string? session = null, string model = "gpt-5.1")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses")
        {
            Content = new StringContent($$"""{"model":"{{model}}","stream":true,"input":"hi"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (session is not null)
        {
            request.Headers.Add("session-id", session);
        }

        return request;
    }

    [Fact]
    public async Task Failover_FromA429AndA500ToTheHealthyAccount_EachUpstreamSeesOnlyItsOwnCredential()
    {
        await using var limited = await AccountUpstream.StartAsync("limited", UpstreamMode.RateLimited);
        await using var broken = await AccountUpstream.StartAsync("broken", UpstreamMode.ServerError);
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        var clientKey = await AddAccountsAsync(dataDir, (limited, 30), (broken, 20), (healthy, 10));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority));

        // The official SDK, with the client key as its API key.
        var client = new ResponsesClient(new ApiKeyCredential(clientKey), new ResponsesClientOptions { Endpoint = new Uri(gateway.BaseUrl + "/v1") });
        var text = new StringBuilder();
        await foreach (var update in await client.CreateResponseStreamingAsync("gpt-5.1", "hi", previousResponseId: null, Ct))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
        }

        Assert.Equal("Hello from healthy", text.ToString());
        Assert.Equal([$"Bearer {limited.Key}"], limited.Credentials);
        Assert.Equal([$"Bearer {broken.Key}"], broken.Credentials);
        Assert.Equal([$"Bearer {healthy.Key}"], healthy.Credentials);
        foreach (var upstream in new[] { limited, broken, healthy })
        {
            Assert.DoesNotContain(upstream.AllHeaderValues, v => v.Contains(clientKey, StringComparison.Ordinal));
        }

        var records = (await gateway.WaitForRecordsAsync(3)).OrderBy(r => r.Attempt).ToList();
        Assert.Equal([("limited", 1, 429), ("broken", 2, 500), ("healthy", 3, 200)], records.Select(r => (r.Account!, r.Attempt!.Value, r.Status)));
        Assert.Equal("rate_limit_exceeded", records[0].ErrorType);
        Assert.Null(records[0].Usage);
        Assert.Equal(CallOutcome.Success, records[2].Outcome);
        Assert.Equal(1200, records[2].Usage!.Value.InputTokens);
        Assert.Equal(80, records[2].Usage!.Value.OutputTokens);
    }

    [Fact]
    public async Task ResponseHeaders_NameTheAccountAndAttempts_AndCooldownEndsOnTime()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var limited = await AccountUpstream.StartAsync("limited", UpstreamMode.RateLimited);
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir, (limited, 30), (healthy, 10));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority, time));
        using var http = new HttpClient();

        using (var first = await http.SendAsync(Post(gateway, key), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("healthy", first.Headers.GetValues("x-tollgate-account").Single());
            Assert.Equal("2", first.Headers.GetValues("x-tollgate-attempts").Single());
        }

        // Cooling down (retry-after: 30): the limited account is not asked again.
        limited.Mode = UpstreamMode.Healthy;
        using (var second = await http.SendAsync(Post(gateway, key), Ct))
        {
            Assert.Equal("healthy", second.Headers.GetValues("x-tollgate-account").Single());
            Assert.Equal("1", second.Headers.GetValues("x-tollgate-attempts").Single());
        }

        Assert.Equal(1, limited.Count);
        time.Advance(TimeSpan.FromSeconds(30));
        using var third = await http.SendAsync(Post(gateway, key), Ct);
        Assert.Equal("limited", third.Headers.GetValues("x-tollgate-account").Single());
        Assert.Equal(2, limited.Count);
    }

    [Fact]
    public async Task Affinity_KeepsEachConversationOnItsAccount()
    {
        await using var a = await AccountUpstream.StartAsync("a");
        await using var b = await AccountUpstream.StartAsync("b");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir, (a, 0), (b, 0));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.RoundRobin));
        using var http = new HttpClient();

        var served = new Dictionary<string, HashSet<string>>();
        for (var turn = 0; turn < 4; turn++)
        {
            foreach (var session in new[] { "019a7c00-0000-7000-8000-00000000000a", "019a7c00-0000-7000-8000-00000000000b" })
            {
                using var response = await http.SendAsync(Post(gateway, key, session), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                served.TryAdd(session, []);
                served[session].Add(response.Headers.GetValues("x-tollgate-account").Single());
            }
        }

        Assert.All(served.Values, accounts => Assert.Single(accounts));
        Assert.Equal(2, served.Values.SelectMany(x => x).Distinct().Count()); // round-robin spread the two conversations
    }

    [Fact]
    public async Task WithoutAValidClientKey_401InTheClientsFormat_AndNothingIsForwarded()
    {
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        await AddAccountsAsync(dataDir, (healthy, 0));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, anthropicBase: healthy.Fake.BaseUrl);
        using var http = new HttpClient();

        using var none = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/responses") { Content = new StringContent("{}", Encoding.UTF8, "application/json") }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        var openAi = JsonDocument.Parse(await none.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("tollgate_invalid_client_key", openAi.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("tollgate keys create", openAi.GetProperty("error").GetProperty("message").GetString());

        var wrong = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/messages") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        wrong.Headers.Add("x-api-key", "tg-not-a-key");
        wrong.Headers.Add("anthropic-version", "2023-06-01");
        using var anthropic = await http.SendAsync(wrong, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anthropic.StatusCode);
        Assert.Equal("error", JsonDocument.Parse(await anthropic.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("type").GetString());

        Assert.Equal(0, healthy.Count);
        var records = await gateway.WaitForRecordsAsync(2);
        Assert.All(records, r => Assert.Equal(CallOutcome.GatewayRejected, r.Outcome));
    }

    [Fact]
    public async Task NoAccountServesTheModel_400NamingModelAndPool()
    {
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir);
        var (accounts, _, _) = await TestAccounts.OpenAsync(dataDir);
        await accounts.AddAsync(Account("claude-only", healthy.Fake.BaseUrl + "/v1", provider: ProviderKind.OpenAICompatible) with { Models = ["claude-*"] }, healthy.Key, Ct);
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir);
        using var http = new HttpClient();

        using var response = await http.SendAsync(Post(gateway, key, model: "gpt-5.1"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains("'gpt-5.1'", message);
        Assert.Contains("'openai'", message);
        Assert.Equal(0, healthy.Count);
    }

    [Fact]
    public async Task EveryAccountAnswers429_AttemptsAreBounded_ThenStopAnswers429WithoutAskingUpstream()
    {
        var upstreams = new[]
        {
            await AccountUpstream.StartAsync("a", UpstreamMode.RateLimited),
            await AccountUpstream.StartAsync("b", UpstreamMode.UsageLimitReached),
            await AccountUpstream.StartAsync("c", UpstreamMode.RateLimited),
            await AccountUpstream.StartAsync("d", UpstreamMode.RateLimited),
        };
        try
        {
            var dataDir = TestGateway.NewDataDir();
            var key = await AddAccountsAsync(dataDir, upstreams.Select((u, i) => (u, 10 - i)).ToArray());
            await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority, onExhausted: ExhaustedBehavior.Stop));
            using var http = new HttpClient();

            using (var first = await http.SendAsync(Post(gateway, key), Ct))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode); // the last upstream answer, as it was
                Assert.Equal("rate_limit_exceeded", JsonDocument.Parse(await first.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetProperty("type").GetString());
                Assert.Equal("3", first.Headers.GetValues("x-tollgate-attempts").Single());
            }

            Assert.Equal(3, upstreams.Sum(u => u.Count)); // max_attempts, not one per account

            // a, b and c cool down; d is still usable, then it cools down too.
            using (var second = await http.SendAsync(Post(gateway, key), Ct))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            }

            var asked = upstreams.Sum(u => u.Count);
            using var third = await http.SendAsync(Post(gateway, key), Ct);
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            var error = JsonDocument.Parse(await third.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error");
            Assert.Equal("tollgate_limits_reached", error.GetProperty("code").GetString());
            Assert.Contains("usage_limit_reached", error.GetProperty("message").GetString());
            Assert.Equal(asked, upstreams.Sum(u => u.Count)); // no retry storm
        }
        finally
        {
            foreach (var u in upstreams)
            {
                await u.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ConnectionDroppedBeforeAnswer_FailsOver_MidStreamCut_EndsWithAnErrorEvent()
    {
        await using var dropping = await AccountUpstream.StartAsync("dropping", UpstreamMode.DropConnection);
        await using var cutting = await AccountUpstream.StartAsync("cutting");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir, (dropping, 20), (cutting, 10));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority));
        using var http = new HttpClient();

        using (var ok = await http.SendAsync(Post(gateway, key), Ct))
        {
            Assert.Equal("cutting", ok.Headers.GetValues("x-tollgate-account").Single());
            Assert.Contains("response.completed", await ok.Content.ReadAsStringAsync(Ct));
        }

        cutting.Mode = UpstreamMode.CutMidStream;
        using var cut = await http.SendAsync(Post(gateway, key), HttpCompletionOption.ResponseHeadersRead, Ct);
        var body = await ReadCutStreamAsync(cut, cutting); // a clean end, not an exception
        Assert.Contains("response.output_text.delta", body);
        Assert.DoesNotContain("response.completed", body);
        Assert.EndsWith("\n\n", body);
        var last = body.TrimEnd().Split("\n\n").Last();
        Assert.StartsWith("event: response.failed", last);
        Assert.Contains("tollgate_upstream_cut", last);

        var records = await gateway.WaitForRecordsAsync(4);
        Assert.Contains(records, r => r.Account == "dropping" && r.Outcome == CallOutcome.UpstreamUnreachable && r.Attempt == 1);
        Assert.Contains(records, r => r.Account == "cutting" && r.Outcome == CallOutcome.StreamCut);
    }

    /// <summary>Reads until the deltas are through, lets the upstream cut, and reads to the end.</summary>
    private static async Task<string> ReadCutStreamAsync(HttpResponseMessage response, AccountUpstream upstream)
    {
        var stream = await response.Content.ReadAsStreamAsync(Ct);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while ((n = await stream.ReadAsync(buffer, Ct)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
            if (text.ToString().Contains("response.output_text.delta", StringComparison.Ordinal))
            {
                upstream.ReleaseCut(); // a reset discards bytes the gateway has not read yet: cut only once they are through
            }
        }

        return text.ToString();
    }

    [Fact]
    public async Task RestartedGateway_DecryptsItsVault_AndNoFileHoldsAPlaintextKey()
    {
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir, (healthy, 0));
        using var http = new HttpClient();
        for (var run = 0; run < 2; run++)
        {
            await using var gateway = await TestGateway.StartAsync(dataDir: dataDir);
            gateway.KeepDataDir = run == 0;
            using var response = await http.SendAsync(Post(gateway, key), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await gateway.WaitForRecordsAsync(1);
            await gateway.StopAsync();
            if (run == 1)
            {
                SqliteConnection.ClearAllPools();
                foreach (var file in Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories))
                {
                    var text = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, Ct));
                    Assert.DoesNotContain(healthy.Key, text);
                    Assert.DoesNotContain(key, text);
                }
            }
        }

        Assert.Equal([$"Bearer {healthy.Key}", $"Bearer {healthy.Key}"], healthy.Credentials);
    }

    [Fact]
    public async Task CorruptedVaultEntryAndUnsetEnvVar_MarkOnlyThoseAccounts_OthersServe()
    {
        await using var damaged = await AccountUpstream.StartAsync("damaged");
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir, (damaged, 30), (healthy, 10));
        var (_, _, db) = await TestAccounts.OpenAsync(dataDir);
        await new AccountStore(db, TimeProvider.System).AddAsync(
            new Account { Id = Guid.CreateVersion7(), Name = "from-env", Provider = ProviderKind.OpenAI, BaseUrl = healthy.Fake.BaseUrl + "/v1", Priority = 20, Credential = CredentialKind.Environment, CredentialEnv = "TOLLGATE_TEST_UNSET_" + Guid.NewGuid().ToString("N") },
            null,
            Ct);
        var damagedAccount = (await new AccountStore(db, TimeProvider.System).FindAsync("damaged", Ct))!;
        var cipher = (await new AccountStore(db, TimeProvider.System).ReadCredentialCiphersAsync(Ct))[damagedAccount.Id];
        cipher[^1] ^= 0xFF; // one flipped bit in the tag is enough
        await using (var c = await db.OpenAsync(Ct))
        await using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "UPDATE accounts SET credential_cipher = $cipher WHERE name = 'damaged'";
            cmd.Parameters.AddWithValue("$cipher", cipher);
            await cmd.ExecuteNonQueryAsync(Ct);
        }

        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority));
        using var http = new HttpClient();
        using var response = await http.SendAsync(Post(gateway, key), Ct);
        Assert.Equal("healthy", response.Headers.GetValues("x-tollgate-account").Single());
        Assert.Equal(0, damaged.Count);

        var health = JsonDocument.Parse(await http.GetStringAsync(gateway.BaseUrl + "/_tollgate/accounts", Ct)).RootElement.EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("state").GetString());
        Assert.Equal("needs-attention", health["damaged"]);
        Assert.Equal("needs-attention", health["from-env"]);
        Assert.Equal("ok", health["healthy"]);
    }

    [Fact]
    public async Task ConfigFileAccounts_AreServed_AndAChangeAppliesWithoutARestart()
    {
        await using var first = await AccountUpstream.StartAsync("first");
        await using var second = await AccountUpstream.StartAsync("second");
        var firstVar = "TOLLGATE_TEST_KEY_" + Guid.NewGuid().ToString("N");
        var secondVar = "TOLLGATE_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(firstVar, first.Key);
        Environment.SetEnvironmentVariable(secondVar, second.Key);
        try
        {
            var dataDir = TestGateway.NewDataDir();
            var key = await AddAccountsAsync(dataDir); // a client key, no CLI accounts
            var configFile = Path.Combine(dataDir, ".config", "tollgate", "tollgate.toml");
            Directory.CreateDirectory(Path.GetDirectoryName(configFile)!);
            string Toml(int secondPriority) => $$"""
                [routing]
                strategy = "priority"

                [[accounts]]
                name = "first"
                base_url = "{{first.Fake.BaseUrl}}/v1"
                key_env = "{{firstVar}}"
                priority = 10

                [[accounts]]
                name = "second"
                base_url = "{{second.Fake.BaseUrl}}/v1"
                key_env = "{{secondVar}}"
                priority = {{secondPriority}}
                """;
            await File.WriteAllTextAsync(configFile, Toml(1), Ct);
            var initial = Core.Configuration.ConfigLoader.Parse("tollgate.toml", Toml(1)).Config!;
            await using var gateway = await TestGateway.StartAsync(
                dataDir: dataDir,
                configure: c => c with { Accounts = initial.Accounts, Routing = initial.Routing },
                settings: s => s with { WatchConfig = true });
            using var http = new HttpClient();

            using (var response = await http.SendAsync(Post(gateway, key), Ct))
            {
                Assert.Equal("first", response.Headers.GetValues("x-tollgate-account").Single());
            }

            Assert.Equal([$"Bearer {first.Key}"], first.Credentials);

            // Raise "second" above "first" in the file; the gateway polls every 2 s.
            await File.WriteAllTextAsync(configFile, Toml(50), Ct);
            File.SetLastWriteTimeUtc(configFile, File.GetLastWriteTimeUtc(configFile).AddSeconds(1));
            string? served = null;
            for (var i = 0; i < 50 && served != "second"; i++)
            {
                await Task.Delay(200, Ct);
                using var response = await http.SendAsync(Post(gateway, key), Ct);
                served = response.Headers.GetValues("x-tollgate-account").Single();
            }

            Assert.Equal("second", served);
        }
        finally
        {
            Environment.SetEnvironmentVariable(firstVar, null);
            Environment.SetEnvironmentVariable(secondVar, null);
        }
    }

    [Fact]
    public async Task WebSocketUpgrade_WithAccounts_Is426SoCodexFallsBackToHttp()
    {
        await using var healthy = await AccountUpstream.StartAsync("healthy");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir, (healthy, 0));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir);
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            socket.ConnectAsync(new Uri(gateway.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/responses"), Ct));
        Assert.Equal(HttpStatusCode.UpgradeRequired, socket.HttpStatusCode);
        Assert.Equal(0, healthy.Count);
    }

    /// <summary>Accounts "plain" (priority 1) and "mapped" (Azure, priority 10, maps gpt-5.1 to a deployment); returns a client key.</summary>
    private static async Task<string> AddPlainAndMappedAsync(string dataDir, AccountUpstream plain, AccountUpstream mapped)
    {
        var key = await AddAccountsAsync(dataDir, (plain, 1));
        var (accounts, _, _) = await TestAccounts.OpenAsync(dataDir);
        await accounts.AddAsync(
            Account("mapped", mapped.Fake.BaseUrl + "/v1", 10, ProviderKind.AzureOpenAI) with { ModelMap = new Dictionary<string, string> { ["gpt-5.1"] = "my-gpt51-deployment" } },
            mapped.Key,
            Ct);
        return key;
    }

    [Fact]
    public async Task ModelMapping_RewritesTheModelOnlyForTheAccountThatMapsIt()
    {
        await using var mapped = await AccountUpstream.StartAsync("mapped", UpstreamMode.ServerError);
        await using var plain = await AccountUpstream.StartAsync("plain");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddPlainAndMappedAsync(dataDir, plain, mapped);
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority));
        using var http = new HttpClient();

        using var response = await http.SendAsync(Post(gateway, key), Ct);
        Assert.Equal("plain", response.Headers.GetValues("x-tollgate-account").Single()); // mapped answered 500 first
        var sentToMapped = JsonDocument.Parse(mapped.LastBody).RootElement;
        Assert.Equal("my-gpt51-deployment", sentToMapped.GetProperty("model").GetString());
        Assert.Equal("hi", sentToMapped.GetProperty("input").GetString());
        Assert.Equal($"{mapped.Key}", mapped.Fake.Requests.Single().Headers["api-key"]); // Azure's header
        Assert.False(mapped.Fake.Requests.Single().Headers.ContainsKey("authorization"));
        Assert.Equal("gpt-5.1", JsonDocument.Parse(plain.LastBody).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task BodyFilter_AppliesOnEveryAttempt_ModelMappingOnTopOfIt()
    {
        await using var mapped = await AccountUpstream.StartAsync("mapped", UpstreamMode.ServerError);
        await using var plain = await AccountUpstream.StartAsync("plain");
        var dataDir = TestGateway.NewDataDir();
        var key = await AddPlainAndMappedAsync(dataDir, plain, mapped);
        var filterFile = new Core.Configuration.AppPaths(n => n is "HOME" or "TOLLGATE_DATA_DIR" ? dataDir : null).FilterFile;
        Directory.CreateDirectory(Path.GetDirectoryName(filterFile)!);
        await File.WriteAllTextAsync(filterFile, """[{ "op": "replace", "source": "\"hi\"", "target": "\"hello\"" }]""", Ct);
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority));
        using var http = new HttpClient();

        using var response = await http.SendAsync(Post(gateway, key), Ct);
        Assert.Equal("plain", response.Headers.GetValues("x-tollgate-account").Single());
        var sentToMapped = JsonDocument.Parse(mapped.LastBody).RootElement;
        Assert.Equal(("my-gpt51-deployment", "hello"), (sentToMapped.GetProperty("model").GetString(), sentToMapped.GetProperty("input").GetString()));
        var sentToPlain = JsonDocument.Parse(plain.LastBody).RootElement;
        Assert.Equal(("gpt-5.1", "hello"), (sentToPlain.GetProperty("model").GetString(), sentToPlain.GetProperty("input").GetString()));
    }

    [Fact]
    public async Task EveryAccountUnreachable_502InTheClientsFormat_OneRecordPerAttempt()
    {
        await using var a = await AccountUpstream.StartAsync("a", UpstreamMode.DropConnection);
        await using var b = await AccountUpstream.StartAsync("b", UpstreamMode.DropConnection);
        var dataDir = TestGateway.NewDataDir();
        var key = await AddAccountsAsync(dataDir, (a, 2), (b, 1));
        await using var gateway = await TestGateway.StartAsync(dataDir: dataDir, settings: Routing(RoutingStrategy.Priority));
        using var http = new HttpClient();

        using var response = await http.SendAsync(Post(gateway, key), Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("tollgate_upstream_unreachable", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetProperty("code").GetString());

        await gateway.StopAsync(); // drains the writer: every record of the request is in the store
        var records = await gateway.ReadStoreAsync();
        Assert.Equal([("a", 1), ("b", 2)], records.OrderBy(r => r.Attempt).Select(r => (r.Account!, r.Attempt!.Value)));
        Assert.All(records, r => Assert.Equal(CallOutcome.UpstreamUnreachable, r.Outcome));
    }
}
