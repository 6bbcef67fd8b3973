using Tollgate.Core.Pricing;

namespace Tollgate.Core.Configuration;

/// <summary>The validated, immutable configuration (file, then environment, then command-line flags).</summary>
public sealed record TollgateConfig
{
    public ServerConfig Server { get; init; } = new();
    public UpstreamsConfig Upstreams { get; init; } = new();
    public LoggingConfig Logging { get; init; } = new();
    public PricingOptions Pricing { get; init; } = new();

    /// <summary><c>[routing]</c> and <c>[pools.NAME]</c>.</summary>
    public Routing.RoutingOptions Routing { get; init; } = new();

    /// <summary><c>[[accounts]]</c>: accounts declared in the file (credentials only as environment variable names), merged with the CLI-managed ones.</summary>
    public IReadOnlyList<Accounts.Account> Accounts { get; init; } = [];

    /// <summary><c>[codex] homes</c>: Codex homes to read besides those added with <c>tollgate homes add</c>.</summary>
    public IReadOnlyList<string> CodexHomes { get; init; } = [];

    /// <summary><c>[[quota_providers]]</c>: where remaining quota is looked up, polled by the gateway.</summary>
    public IReadOnlyList<Quotas.IQuotaProvider> QuotaProviders { get; init; } = [];
}

/// <summary><c>[server]</c>: where the gateway listens and how it treats requests.</summary>
public sealed record ServerConfig
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8787;

    /// <summary>Listening beyond loopback also needs client keys, which arrive with accounts; until then it is refused.</summary>
    public bool AllowNonLoopback { get; init; }
    public long MaxRequestBodyBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How long a response may go without a byte before it is abandoned. Resets on every chunk.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Runs request code on the socket threads instead of hopping to the thread pool for each
    /// read and write. Halves the CPU per request at low concurrency (see bench/README.md).
    /// </summary>
    public bool InlineIo { get; init; } = true;

    /// <summary>
    /// Serves the web dashboard at <c>/</c> (<c>tollgate dashboard</c> always does). Off, a
    /// gateway that only forwards does without Blazor and MudBlazor: less memory, less start-up.
    /// </summary>
    public bool Dashboard { get; init; } = true;
}

/// <summary><c>[upstreams]</c>: where pass-through traffic goes.</summary>
public sealed record UpstreamsConfig
{
    /// <summary>OpenAI-style API base, with its version segment.</summary>
    public string OpenAI { get; init; } = "https://api.openai.com/v1";

    /// <summary>True when the file, the environment or <c>--upstream</c> named <see cref="OpenAI"/>: then Codex's own setup is not consulted.</summary>
    public bool OpenAIExplicit { get; init; }

    /// <summary>Anthropic base, without <c>/v1</c> (the client's path carries it).</summary>
    public string Anthropic { get; init; } = "https://api.anthropic.com";

    /// <summary>The ChatGPT Codex backend, for requests that carry a ChatGPT login token.</summary>
    public string ChatGpt { get; init; } = "https://chatgpt.com/backend-api/codex";
}

/// <summary><c>[logging]</c>.</summary>
public sealed record LoggingConfig
{
    public string Level { get; init; } = "information";
    public bool RequestLog { get; init; } = true;
    public long RequestLogMaxBytes { get; init; } = 10L * 1024 * 1024;
    public int RequestLogFiles { get; init; } = 5;

    /// <summary>
    /// Where to write every request and response with its body (a local debugging aid; off when
    /// null). <c>TOLLGATE_LOG_BODIES</c> or <c>[logging] body_log</c>; a relative path is in the logs folder.
    /// </summary>
    public string? BodyLog { get; init; }
}
