namespace Tollgate.Core.Accounts;

/// <summary>The kind of upstream an account talks to: it decides the service, the credential header and the defaults.</summary>
public enum ProviderKind
{
    OpenAI,
    Anthropic,
    AzureOpenAI,
    OpenAICompatible,
}

/// <summary>Which API family a request belongs to; each has its own pools.</summary>
public enum ServiceKind
{
    /// <summary>OpenAI-style endpoints (Responses, Chat, Completions, Embeddings…), served by OpenAI, Azure and compatible relays.</summary>
    OpenAI,

    /// <summary>Anthropic Messages.</summary>
    Anthropic,
}

/// <summary>Where an account's credential comes from.</summary>
public enum CredentialKind
{
    /// <summary>Encrypted in the vault.</summary>
    Vault,

    /// <summary>Read from an environment variable at request time; nothing stored.</summary>
    Environment,
}

/// <summary>Daily and monthly ceilings; null means no limit of that kind.</summary>
public sealed record AccountLimits(long? DailyTokens = null, long? MonthlyTokens = null, decimal? DailyUsd = null, decimal? MonthlyUsd = null)
{
    public static AccountLimits None { get; } = new();

    public bool IsEmpty => DailyTokens is null && MonthlyTokens is null && DailyUsd is null && MonthlyUsd is null;
}

/// <summary>
/// One upstream account: a base URL and a credential, with what it may serve and how it is
/// chosen. Never holds the plaintext credential; that is read from the vault (or the
/// environment) when a request is forwarded.
/// </summary>
public sealed record Account
{
    /// <summary>
    /// A new vault-keyed account with every other setting at its default: what the CLI's
    /// <c>accounts add</c> and the TUI's add dialog start from before <see cref="AccountService.AddAsync"/>.
    /// </summary>
    /// <param name="provider">Null: guessed from the URL.</param>
    public static Account Draft(string name, string baseUrl, ProviderKind? provider = null) => new()
    {
        Id = Guid.CreateVersion7(),
        Name = name,
        Provider = provider ?? ProviderKinds.Guess(baseUrl),
        BaseUrl = baseUrl,
    };

    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required ProviderKind Provider { get; init; }

    /// <summary>The API base, as a client SDK would take it (e.g. <c>https://api.openai.com/v1</c>).</summary>
    public required string BaseUrl { get; init; }
    public CredentialKind Credential { get; init; } = CredentialKind.Vault;

    /// <summary>The environment variable holding the key, for <see cref="CredentialKind.Environment"/>.</summary>
    public string? CredentialEnv { get; init; }

    /// <summary>A display form of the key (<c>sk-…a1b2</c>); never enough to use it.</summary>
    public string? KeyFingerprint { get; init; }
    public string? Organization { get; init; }
    public string? Project { get; init; }
    public IReadOnlyDictionary<string, string> ExtraHeaders { get; init; } = new Dictionary<string, string>();

    /// <summary>Model globs this account may serve (<c>gpt-5*</c>); empty means any model.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Requested model → the model name this upstream knows it by.</summary>
    public IReadOnlyDictionary<string, string> ModelMap { get; init; } = new Dictionary<string, string>();
    public int Priority { get; init; }
    public int Weight { get; init; } = 1;
    public AccountLimits Limits { get; init; } = AccountLimits.None;
    public bool Enabled { get; init; } = true;

    /// <summary>The pool it belongs to; null means the default pool of its service.</summary>
    public string? Pool { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Where it was declared: <c>cli</c> (the database) or <c>config</c> (the TOML file).</summary>
    public string Origin { get; init; } = "cli";
    public DateTimeOffset CreatedAt { get; init; }

    public ServiceKind Service => Provider == ProviderKind.Anthropic ? ServiceKind.Anthropic : ServiceKind.OpenAI;

    public string PoolName => Pool ?? ProviderKinds.DefaultPool(Service);
}
