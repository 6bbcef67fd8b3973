using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tollgate.Core.Accounts;
using Tollgate.Core.Storage;

namespace Tollgate.Cli;

/// <summary>An account as the list shows it: stored settings, live health from a running gateway, and usage against limits.</summary>
internal sealed record AccountView(Account Account, LiveHealth? Health, long TokensToday, long TokensThisMonth, decimal UsdToday, decimal UsdThisMonth);

/// <summary>What <c>/_tollgate/accounts</c> of a running gateway says about one account.</summary>
internal sealed record LiveHealth(Guid Id, string State, DateTimeOffset? Until, string? Reason, double Utilization, DateTimeOffset? LastMoveAt);

/// <summary><c>tollgate accounts list</c></summary>
internal sealed class AccountsListCommand : Command
{
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON (never a key) and nothing else" };

    public AccountsListCommand(Option<string?> configOption)
        : base("list", "List accounts with health, cooldown and usage against limits")
    {
        Options.Add(_json);
        SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var views = await AccountViews.LoadAsync(context, parse.GetValue(configOption), ct);
            if (parse.GetValue(_json))
            {
                await AccountViews.WriteJsonAsync(views, ct);
                return ExitCodes.Success;
            }

            if (views.Count == 0)
            {
                Console.WriteLine("No accounts: requests pass through with the client's own credential. Add one with 'tollgate accounts add NAME --base-url URL'.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (var c in new[] { "name", "provider", "pool", "key", "models", "prio/weight", "health", "today", "this month" })
            {
                table.AddColumn(c);
            }

            foreach (var v in views)
            {
                var a = v.Account;
                table.AddRow(
                    Markup.Escape(a.Name),
                    ProviderKinds.Name(a.Provider),
                    Markup.Escape(a.PoolName),
                    Markup.Escape(a.Credential == CredentialKind.Environment ? "$" + a.CredentialEnv : a.KeyFingerprint ?? "—"),
                    Markup.Escape(a.Models.Count == 0 ? "any" : string.Join(",", a.Models)),
                    $"{a.Priority}/{a.Weight}",
                    AccountViews.HealthMarkup(v),
                    Markup.Escape(AccountViews.Against(v.TokensToday, v.UsdToday, a.Limits.DailyTokens, a.Limits.DailyUsd)),
                    Markup.Escape(AccountViews.Against(v.TokensThisMonth, v.UsdThisMonth, a.Limits.MonthlyTokens, a.Limits.MonthlyUsd)));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Success;
        }, ct));
    }
}

/// <summary><c>tollgate accounts show NAME</c></summary>
internal sealed class AccountsShowCommand : Command
{
    private readonly Argument<string> _name = new("NAME") { Description = "Account name or id" };
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON (never a key) and nothing else" };

    public AccountsShowCommand(Option<string?> configOption)
        : base("show", "Show one account's settings, health and usage")
    {
        Arguments.Add(_name);
        Options.Add(_json);
        SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var account = await AccountsCommand.FindOrComplainAsync(context, parse.GetValue(_name)!, ct);
            if (account is null)
            {
                return ExitCodes.NotFound;
            }

            var view = (await AccountViews.LoadAsync(context, parse.GetValue(configOption), ct)).First(v => v.Account.Id == account.Id);
            if (parse.GetValue(_json))
            {
                await AccountViews.WriteJsonAsync([view], ct, single: true);
                return ExitCodes.Success;
            }

            var a = view.Account;
            var grid = new Grid().AddColumn().AddColumn();
            void Row(string k, string? v) => grid.AddRow(new Markup($"[grey]{k}[/]"), new Markup(Markup.Escape(v ?? "—")));
            Row("name", a.Name);
            Row("id", a.Id.ToString());
            Row("provider", ProviderKinds.Name(a.Provider));
            Row("base url", a.BaseUrl);
            Row("key", a.Credential == CredentialKind.Environment ? $"from ${a.CredentialEnv}" : $"{a.KeyFingerprint} (in the vault)");
            Row("organization", a.Organization);
            Row("project", a.Project);
            Row("models", a.Models.Count == 0 ? "any" : string.Join(", ", a.Models));
            Row("model mapping", a.ModelMap.Count == 0 ? null : string.Join(", ", a.ModelMap.Select(kv => $"{kv.Key} → {kv.Value}")));
            Row("extra headers", a.ExtraHeaders.Count == 0 ? null : string.Join(", ", a.ExtraHeaders.Keys));
            Row("pool", a.PoolName);
            Row("priority / weight", $"{a.Priority} / {a.Weight}");
            Row("enabled", a.Enabled ? "yes" : "no");
            Row("tags", a.Tags.Count == 0 ? null : string.Join(", ", a.Tags));
            Row("today", AccountViews.Against(view.TokensToday, view.UsdToday, a.Limits.DailyTokens, a.Limits.DailyUsd));
            Row("this month", AccountViews.Against(view.TokensThisMonth, view.UsdThisMonth, a.Limits.MonthlyTokens, a.Limits.MonthlyUsd));
            grid.AddRow(new Markup("[grey]health[/]"), new Markup(AccountViews.HealthMarkup(view)));
            AnsiConsole.Write(grid);
            return ExitCodes.Success;
        }, ct));
    }
}

/// <summary>Loading and printing account views, shared by list and show.</summary>
internal static class AccountViews
{
    public static async Task<IReadOnlyList<AccountView>> LoadAsync(AccountsContext context, string? configOverride, CancellationToken cancellationToken)
    {
        var accounts = await context.Accounts.Store.ListAsync(cancellationToken);
        var live = await ReadLiveAsync(configOverride, cancellationToken);

        // Usage this month per account, from the store (local time zone days).
        var now = TimeProvider.System.GetLocalNow();
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, now.Offset);
        var usage = new Dictionary<string, (long TD, long TM, decimal UD, decimal UM)>(StringComparer.OrdinalIgnoreCase);
        await foreach (var r in new SqliteUsageStore(context.Database).ReadAsync(new UsageQuery(monthStart), cancellationToken))
        {
            if (r.Account is null)
            {
                continue;
            }

            var today = r.Time.ToLocalTime().Date == now.Date;
            var tokens = r.Usage?.TotalTokens ?? 0;
            var usd = r.CostUsd ?? 0;
            var u = usage.GetValueOrDefault(r.Account);
            usage[r.Account] = (u.TD + (today ? tokens : 0), u.TM + tokens, u.UD + (today ? usd : 0), u.UM + usd);
        }

        return accounts.Select(a =>
        {
            var u = usage.GetValueOrDefault(a.Name);
            return new AccountView(a, live?.GetValueOrDefault(a.Id), u.TD, u.TM, u.UD, u.UM);
        }).ToList();
    }

    /// <summary>Asks a gateway running with this config for live health; null when none answers.</summary>
    private static async Task<Dictionary<Guid, LiveHealth>?> ReadLiveAsync(string? configOverride, CancellationToken cancellationToken)
    {
        var loaded = Core.Configuration.ConfigLoader.Load(Core.Configuration.AppPaths.FromProcess(configOverride), CliContext.Environment());
        if (loaded.Config is not { } config)
        {
            return null;
        }

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(800) };
            var list = await http.GetFromJsonAsync<List<LiveHealth>>(
                CliContext.GatewayUrl(config) + "/_tollgate/accounts",
                new JsonSerializerOptions(JsonSerializerDefaults.Web),
                cancellationToken);
            return list?.ToDictionary(h => h.Id);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    public static string HealthMarkup(AccountView v)
    {
        if (!v.Account.Enabled)
        {
            return "[grey]disabled[/]";
        }

        if (v.Health is not { } h)
        {
            return "[grey]gateway not running[/]";
        }

        var until = h.Until is { } u ? $" until {u.ToLocalTime():HH:mm:ss}" : "";
        var reason = h.Reason is null ? "" : $" ({Markup.Escape(h.Reason)})";
        return h.State switch
        {
            "ok" => "[green]ok[/]",
            "cooldown" => $"[yellow]cooldown{until}[/]{reason}",
            "breaker-open" => $"[red]breaker open{until}[/]{reason}",
            "needs-attention" => $"[red]needs attention[/]{reason}",
            "exhausted" => $"[yellow]exhausted{until}[/]{reason}",
            _ => Markup.Escape(h.State),
        };
    }

    public static string Against(long tokens, decimal usd, long? tokenLimit, decimal? usdLimit)
    {
        var t = tokenLimit is { } tl ? $"{tokens:N0}/{tl:N0} tok" : $"{tokens:N0} tok";
        var d = usdLimit is { } dl ? $"${usd:0.00}/${dl:0.00}" : $"${usd:0.00}";
        return string.Create(CultureInfo.InvariantCulture, $"{t}, {d}");
    }

    public static async Task WriteJsonAsync(IReadOnlyList<AccountView> views, CancellationToken cancellationToken, bool single = false)
    {
        await using var stdout = Console.OpenStandardOutput();
        await using (var json = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            if (!single)
            {
                json.WriteStartArray();
            }

            foreach (var v in views)
            {
                Write(json, v);
            }

            if (!single)
            {
                json.WriteEndArray();
            }
        }

        await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    private static void Write(Utf8JsonWriter json, AccountView v)
    {
        var a = v.Account;
        json.WriteStartObject();
        json.WriteString("id", a.Id);
        json.WriteString("name", a.Name);
        json.WriteString("provider", ProviderKinds.Name(a.Provider));
        json.WriteString("baseUrl", a.BaseUrl);
        json.WriteString("credential", a.Credential == CredentialKind.Environment ? "env" : "vault");
        json.WriteString("credentialEnv", a.CredentialEnv);
        json.WriteString("keyFingerprint", a.KeyFingerprint);
        json.WriteString("organization", a.Organization);
        json.WriteString("project", a.Project);
        json.WriteStartArray("models");
        foreach (var m in a.Models)
        {
            json.WriteStringValue(m);
        }

        json.WriteEndArray();
        json.WriteStartObject("modelMap");
        foreach (var (from, to) in a.ModelMap)
        {
            json.WriteString(from, to);
        }

        json.WriteEndObject();
        json.WriteStartArray("extraHeaders"); // names only: values may be secrets
        foreach (var name in a.ExtraHeaders.Keys)
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
        json.WriteString("pool", a.PoolName);
        json.WriteNumber("priority", a.Priority);
        json.WriteNumber("weight", a.Weight);
        json.WriteBoolean("enabled", a.Enabled);
        json.WriteStartArray("tags");
        foreach (var t in a.Tags)
        {
            json.WriteStringValue(t);
        }

        json.WriteEndArray();
        json.WriteStartObject("limits");
        json.WriteNumberOrNull("dailyTokens", a.Limits.DailyTokens);
        json.WriteNumberOrNull("monthlyTokens", a.Limits.MonthlyTokens);
        json.WriteNumberOrNull("dailyUSD", a.Limits.DailyUsd);
        json.WriteNumberOrNull("monthlyUSD", a.Limits.MonthlyUsd);
        json.WriteEndObject();
        json.WriteStartObject("usage");
        json.WriteNumber("tokensToday", v.TokensToday);
        json.WriteNumber("tokensThisMonth", v.TokensThisMonth);
        json.WriteNumber("costUSDToday", v.UsdToday);
        json.WriteNumber("costUSDThisMonth", v.UsdThisMonth);
        json.WriteEndObject();
        if (v.Health is { } h)
        {
            json.WriteStartObject("health");
            json.WriteString("state", h.State);
            json.WriteString("until", h.Until?.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("reason", h.Reason);
            json.WriteNumber("utilization", Math.Round(h.Utilization, 4));
            json.WriteString("lastMoveAt", h.LastMoveAt?.ToString("O", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("health");
        }

        json.WriteString("createdAt", a.CreatedAt);
        json.WriteEndObject();
    }
}
