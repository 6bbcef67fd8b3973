using Tollgate.Core.CodexSetup;

namespace Tollgate.Core.Tests.CodexSetup;

/// <summary>Reading where Codex's calls go, and refusing setups in which Codex has nothing to authenticate with.</summary>
public sealed class CodexBootstrapTests : IDisposable
{
    private const int Port = 8787;
    private const string ApiKeyAuth = """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-test-bootstrap-0000"}""";
    private const string ChatGptAuth = """{"auth_mode":"chatgpt","tokens":{"id_token":"x","access_token":"y","refresh_token":"z","account_id":"a"},"future_field":1}""";

    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("tollgate-bootstrap-");

    public void Dispose() => _home.Delete(recursive: true);

    private CodexBootstrapPlan? Plan(string? config, string? auth, params (string Name, string Value)[] environment)
    {
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(_home.FullName, "config.toml"), config);
        }

        if (auth is not null)
        {
            File.WriteAllText(Path.Combine(_home.FullName, "auth.json"), auth);
        }

        return CodexBootstrap.Plan(_home.FullName, name => environment.FirstOrDefault(e => e.Name == name).Value, Port);
    }

    private string Refused(string? config, string? auth, params (string Name, string Value)[] environment) =>
        Assert.Throws<CodexBootstrapException>(() => Plan(config, auth, environment)).Message;

    [Fact]
    public void Plan_NoSetupAtAll_Null()
    {
        Assert.Null(Plan(config: null, auth: null));
        Assert.Null(CodexBootstrap.Plan(Path.Combine(_home.FullName, "missing"), _ => null, Port));
    }

    [Theory]
    [InlineData(ApiKeyAuth, CodexLogin.ApiKey, "an API key")]
    [InlineData(ChatGptAuth, CodexLogin.ChatGpt, "a ChatGPT login")]
    public void Plan_BuiltInProvider_DefaultUpstreamAndTheLogin(string auth, CodexLogin login, string says)
    {
        var plan = Plan("model = \"gpt-5.1-codex\"\n", auth)!;
        Assert.Equal(("openai", null, login), (plan.Provider, plan.OpenAIBase, plan.Login));
        Assert.Contains(says, plan.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OpenAIBaseUrl_ElsewhereIsFollowed_AtThisGatewayIsNot()
    {
        Assert.Equal("https://relay.example/v1", Plan("openai_base_url = \"https://relay.example/v1/\"\n", ApiKeyAuth)!.OpenAIBase);
        Assert.Null(Plan($"openai_base_url = \"http://127.0.0.1:{Port}/v1\"\n", ChatGptAuth)!.OpenAIBase); // 'tollgate codex on'
        Assert.Null(Plan($"openai_base_url = \"http://localhost:{Port}/v1\"\n", ChatGptAuth)!.OpenAIBase);
    }

    [Fact]
    public void Plan_BuiltInProviderWithoutLogin_FailsSayingHowToLogIn()
    {
        var message = Refused("model = \"gpt-5\"\n", auth: null);
        Assert.Contains("has no login", message, StringComparison.Ordinal);
        Assert.Contains("codex login", message, StringComparison.Ordinal);
        Assert.Contains("tollgate accounts add", message, StringComparison.Ordinal);

        // Codex exec also takes CODEX_API_KEY from its environment.
        Assert.Equal(CodexLogin.ApiKey, Plan("model = \"gpt-5\"\n", auth: null, ("CODEX_API_KEY", "sk-test-env"))!.Login);
    }

    [Fact]
    public void Plan_CustomProviderWithEnvKey_ItsBaseUrl_OrRefusedWhenTheVariableIsMissing()
    {
        const string config = """
            model_provider = "relay"

            [model_providers.relay]
            name = "Team relay"
            base_url = "http://127.0.0.1:4000/v1"
            wire_api = "responses"
            env_key = "RELAY_API_KEY"
            """;
        var plan = Plan(config, auth: null, ("RELAY_API_KEY", "sk-test-relay"))!;
        Assert.Equal(("relay", "http://127.0.0.1:4000/v1"), (plan.Provider, plan.OpenAIBase));
        Assert.Contains("Team relay", plan.Summary, StringComparison.Ordinal);
        Assert.Contains("$RELAY_API_KEY", plan.Summary, StringComparison.Ordinal);

        var message = Refused(config, auth: null);
        Assert.Contains("sends the key in $RELAY_API_KEY, which is not set here", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ProfileSelectsTheProvider()
    {
        const string config = """
            model_provider = "openai"
            profile = "local"

            [profiles.local]
            model_provider = "ollama-box"

            [model_providers.ollama-box]
            name = "Ollama"
            base_url = "http://127.0.0.1:11434/v1"
            """;
        var plan = Plan(config, auth: null)!; // a local model needs no credential
        Assert.Equal(("ollama-box", "http://127.0.0.1:11434/v1"), (plan.Provider, plan.OpenAIBase));
    }

    [Fact]
    public void Plan_RequiresOpenAIAuth_NeedsALogin()
    {
        const string config = """
            model_provider = "proxy"
            [model_providers.proxy]
            base_url = "https://proxy.example/v1"
            requires_openai_auth = true
            """;
        Assert.Equal("https://proxy.example/v1", Plan(config, ChatGptAuth)!.OpenAIBase);
        File.Delete(Path.Combine(_home.FullName, "auth.json"));
        Assert.Contains("has no login", Refused(config, auth: null), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model_provider = \"nowhere\"\n", "has no [model_providers.nowhere] table")]
    [InlineData("model_provider = \"p\"\n[model_providers.p]\nname = \"P\"\n", "has no http(s) base_url")]
    [InlineData("model_provider = \"p\"\n[model_providers.p]\nbase_url = \"http://127.0.0.1:8787/v1\"\n", "already points at this gateway")]
    [InlineData("model = \n", "is not valid TOML")]
    public void Plan_SetupTollgateCannotFollow_RefusedWithWhatToDo(string config, string expected)
    {
        var message = Refused(config, ApiKeyAuth);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Contains("--upstream", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_AuthJsonNotJson_Refused() =>
        Assert.Contains("auth.json is not valid JSON", Refused("model = \"gpt-5\"\n", "{not json"), StringComparison.Ordinal);
}
