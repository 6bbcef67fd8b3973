using System.CommandLine;
using Spectre.Console;
using Tollgate.Core.Accounts;
using Tollgate.Core.Vault;

namespace Tollgate.Cli;

/// <summary><c>tollgate accounts …</c>: the upstream accounts the gateway routes across.</summary>
internal sealed class AccountsCommand : Command
{
    public AccountsCommand(Option<string?> configOption)
        : base("accounts", "Upstream accounts: add, list, show, remove, enable, disable, refresh, export, import")
    {
        Subcommands.Add(new AccountsAddCommand());
        Subcommands.Add(new AccountsListCommand(configOption));
        Subcommands.Add(new AccountsShowCommand(configOption));
        Subcommands.Add(new AccountsRemoveCommand());
        Subcommands.Add(new AccountsToggleCommand(enable: true));
        Subcommands.Add(new AccountsToggleCommand(enable: false));
        Subcommands.Add(new AccountsExportCommand());
        Subcommands.Add(new AccountsImportCommand());
        Subcommands.Add(new AccountsRefreshCommand(configOption));
    }

    /// <summary>Runs an account command body, turning the errors users can cause into messages and exit codes.</summary>
    public static async Task<int> RunAsync(Func<AccountsContext, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            var context = await AccountsContext.OpenAsync(Core.Configuration.AppPaths.FromProcess(), cancellationToken);
            return await body(context);
        }
        catch (AccountException e)
        {
            CliContext.Error(e.Message);
            return ExitCodes.InvalidArguments;
        }
        catch (VaultException e)
        {
            CliContext.Error($"vault: {e.Message}");
            return ExitCodes.VaultUnavailable;
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            CliContext.Error($"cannot use the database: {e.Message}");
            return ExitCodes.StorageUnavailable;
        }
    }

    public static async Task<Account?> FindOrComplainAsync(AccountsContext context, string name, CancellationToken cancellationToken)
    {
        var account = await context.Accounts.Store.FindAsync(name, cancellationToken);
        if (account is null)
        {
            var names = (await context.Accounts.Store.ListAsync(cancellationToken)).Select(a => a.Name).ToList();
            CliContext.Error(names.Count == 0
                ? $"there is no account '{name}' (no accounts yet: add one with 'tollgate accounts add')"
                : $"there is no account '{name}'; accounts: {string.Join(", ", names)}");
        }

        return account;
    }
}

/// <summary><c>tollgate accounts add NAME --base-url URL …</c></summary>
internal sealed class AccountsAddCommand : Command
{
    private readonly Argument<string> _name = new("NAME") { Description = "A name for the account (letters, digits, '.', '_', '-')" };
    private readonly Option<string?> _baseUrl = new("--base-url") { Description = "API base URL, e.g. https://api.openai.com/v1 (required unless --from-codex)" };
    private readonly Option<bool> _fromCodex = new("--from-codex") { Description = "Import the API key Codex is logged in with ($CODEX_HOME/auth.json); the base URL defaults to OpenAI's" };
    private readonly Option<string?> _provider = new("--provider") { Description = $"{string.Join(", ", ProviderKinds.Names)} (default: guessed from the URL)" };
    private readonly Option<int> _priority = new("--priority") { Description = "Higher is preferred by the priority strategy and breaks ties (default 0)" };
    private readonly Option<int> _weight = new("--weight") { Description = "Share for the weighted strategy, 1-1000 (default 1)", DefaultValueFactory = _ => 1 };
    private readonly Option<string?> _models = new("--models") { Description = "Comma-separated model globs it may serve, e.g. 'gpt-5*,o4-*' (default: any)" };
    private readonly Option<string?> _pool = new("--pool") { Description = "Pool name (default: openai or anthropic, by provider)" };
    private readonly Option<string?> _org = new("--organization") { Description = "OpenAI organization id (sent as OpenAI-Organization)" };
    private readonly Option<string?> _project = new("--project") { Description = "OpenAI project id (sent as OpenAI-Project)" };
    private readonly Option<string[]> _headers = new("--header") { Description = "Extra upstream header NAME=VALUE (repeatable)", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string[]> _map = new("--map-model") { Description = "Model mapping REQUESTED=UPSTREAM, e.g. gpt-5=my-deployment (repeatable)" };
    private readonly Option<string[]> _tags = new("--tag") { Description = "A tag (repeatable)" };
    private readonly Option<long?> _dailyTokens = new("--daily-tokens") { Description = "Daily token limit" };
    private readonly Option<long?> _monthlyTokens = new("--monthly-tokens") { Description = "Monthly token limit" };
    private readonly Option<decimal?> _dailyUsd = new("--daily-usd") { Description = "Daily spend limit in USD" };
    private readonly Option<decimal?> _monthlyUsd = new("--monthly-usd") { Description = "Monthly spend limit in USD" };
    private readonly Option<bool> _disabled = new("--disabled") { Description = "Add it disabled" };
    private readonly Option<bool> _keyStdin = new("--key-stdin") { Description = "Read the key from standard input (first line)" };
    private readonly Option<string?> _keyEnv = new("--key-env") { Description = "Read the key from this environment variable at request time; nothing is stored" };
    private readonly Option<string?> _unsafeKey = new("--unsafe-key-arg") { Description = "The key itself, on the command line (lands in shell history: avoid)" };

    public AccountsAddCommand()
        : base("add", "Add an upstream account; its key goes straight into the vault")
    {
        Arguments.Add(_name);
        foreach (var o in new Option[] { _baseUrl, _provider, _priority, _weight, _models, _pool, _org, _project, _headers, _map, _tags, _dailyTokens, _monthlyTokens, _dailyUsd, _monthlyUsd, _disabled, _keyStdin, _keyEnv, _unsafeKey, _fromCodex })
        {
            Options.Add(o);
        }

        SetAction((parse, ct) => AccountsCommand.RunAsync(context => AddAsync(parse, context, ct), ct));
    }

    private async Task<int> AddAsync(ParseResult parse, AccountsContext context, CancellationToken cancellationToken)
    {
        var fromCodex = parse.GetValue(_fromCodex);
        if (parse.GetValue(_baseUrl) is not { } baseUrl)
        {
            if (!fromCodex)
            {
                CliContext.Error("--base-url is required (e.g. https://api.openai.com/v1), unless the key comes --from-codex");
                return ExitCodes.InvalidArguments;
            }

            baseUrl = "https://api.openai.com/v1";
        }

        ProviderKind? provider = null;
        if (parse.GetValue(_provider) is { } p)
        {
            if (!ProviderKinds.TryParse(p, out var named))
            {
                CliContext.Error($"--provider must be one of {string.Join(", ", ProviderKinds.Names)}, got '{p}'");
                return ExitCodes.InvalidArguments;
            }

            provider = named;
        }

        var sources = (parse.GetValue(_keyStdin) ? 1 : 0) + (parse.GetValue(_keyEnv) is null ? 0 : 1) + (parse.GetValue(_unsafeKey) is null ? 0 : 1) + (fromCodex ? 1 : 0);
        if (sources > 1)
        {
            CliContext.Error("give the key one way: --key-stdin, --key-env VAR, --from-codex or --unsafe-key-arg");
            return ExitCodes.InvalidArguments;
        }

        if (!TryPairs(parse.GetValue(_headers), "--header", out var headers) || !TryPairs(parse.GetValue(_map), "--map-model", out var map))
        {
            return ExitCodes.InvalidArguments;
        }

        var env = parse.GetValue(_keyEnv);
        string? key = null;
        if (env is null)
        {
            key = parse.GetValue(_unsafeKey);
            if (fromCodex)
            {
                try
                {
                    key = Core.CodexSetup.CodexAuth.ReadApiKey(context.Paths.CodexHome);
                }
                catch (Core.ClientSetup.ClientSwitchException e)
                {
                    CliContext.Error(e.Message);
                    return e.NothingThere ? ExitCodes.NotFound : ExitCodes.Failure;
                }
            }
            else if (key is null && parse.GetValue(_keyStdin))
            {
                key = await Console.In.ReadLineAsync(cancellationToken);
            }
            else if (key is null)
            {
                if (!AccountsContext.Interactive)
                {
                    CliContext.Error("no key given: pass --key-stdin (and pipe the key in) or --key-env VAR; a prompt needs a terminal");
                    return ExitCodes.InvalidArguments;
                }

                key = AnsiConsole.Prompt(new TextPrompt<string>($"API key for [bold]{Markup.Escape(parse.GetValue(_name)!)}[/]:").Secret());
            }
        }

        var account = await context.Accounts.AddAsync(
            Account.Draft(parse.GetValue(_name)!, baseUrl, provider) with
            {
                Credential = env is null ? CredentialKind.Vault : CredentialKind.Environment,
                CredentialEnv = env,
                Organization = parse.GetValue(_org),
                Project = parse.GetValue(_project),
                ExtraHeaders = headers,
                Models = (parse.GetValue(_models) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                ModelMap = map,
                Priority = parse.GetValue(_priority),
                Weight = parse.GetValue(_weight),
                Limits = new AccountLimits(parse.GetValue(_dailyTokens), parse.GetValue(_monthlyTokens), parse.GetValue(_dailyUsd), parse.GetValue(_monthlyUsd)),
                Enabled = !parse.GetValue(_disabled),
                Pool = parse.GetValue(_pool),
                Tags = parse.GetValue(_tags) ?? [],
            },
            key,
            cancellationToken);

        var credential = account.Credential == CredentialKind.Environment ? $"${account.CredentialEnv}" : account.KeyFingerprint;
        Console.WriteLine($"Added account '{account.Name}' ({ProviderKinds.Name(account.Provider)}, {account.BaseUrl}, key {credential}, pool {account.PoolName}).");
        if (await context.Keys.ListAsync(includeRevoked: false, cancellationToken) is { Count: 0 })
        {
            Console.WriteLine("With accounts configured, clients must present a client key: create one with 'tollgate keys create NAME'.");
        }

        return ExitCodes.Success;
    }

    private static bool TryPairs(string[]? values, string option, out Dictionary<string, string> pairs)
    {
        pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var v in values ?? [])
        {
            var eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1)
            {
                CliContext.Error($"{option} expects NAME=VALUE, got '{v}'");
                return false;
            }

            pairs[v[..eq].Trim()] = v[(eq + 1)..].Trim();
        }

        return true;
    }
}

/// <summary><c>tollgate accounts remove NAME</c></summary>
internal sealed class AccountsRemoveCommand : Command
{
    private readonly Argument<string> _name = new("NAME") { Description = "Account name or id" };

    public AccountsRemoveCommand()
        : base("remove", "Remove an account and its stored key")
    {
        Arguments.Add(_name);
        SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var account = await AccountsCommand.FindOrComplainAsync(context, parse.GetValue(_name)!, ct);
            if (account is null)
            {
                return ExitCodes.NotFound;
            }

            await context.Accounts.Store.RemoveAsync(account.Id, ct);
            Console.WriteLine($"Removed account '{account.Name}'. Its usage history stays in the reports.");
            return ExitCodes.Success;
        }, ct));
    }
}

/// <summary><c>tollgate accounts enable|disable NAME</c></summary>
internal sealed class AccountsToggleCommand : Command
{
    private readonly Argument<string> _name = new("NAME") { Description = "Account name or id" };

    public AccountsToggleCommand(bool enable)
        : base(enable ? "enable" : "disable", enable ? "Let the router choose the account again" : "Keep the router from choosing the account")
    {
        Arguments.Add(_name);
        SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var account = await AccountsCommand.FindOrComplainAsync(context, parse.GetValue(_name)!, ct);
            if (account is null)
            {
                return ExitCodes.NotFound;
            }

            await context.Accounts.Store.SetEnabledAsync(account.Id, enable, ct);
            Console.WriteLine($"Account '{account.Name}' {(enable ? "enabled" : "disabled")}.");
            return ExitCodes.Success;
        }, ct));
    }
}
