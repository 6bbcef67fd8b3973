using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tollgate.Core.Configuration;

namespace Tollgate.Cli;

/// <summary>
/// <c>tollgate accounts refresh</c>: looks the accounts' quotas up now, through the quota
/// providers of the config file. A running gateway does it (and applies the result to routing);
/// without one, the command asks the providers itself and prints what they say.
/// </summary>
internal sealed class AccountsRefreshCommand : Command
{
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON" };

    public AccountsRefreshCommand(Option<string?> configOption)
        : base("refresh", "Look up the accounts' remaining quota now ([[quota_providers]] in the config)")
    {
        Options.Add(_json);
        SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var (_, config) = CliContext.Load(parse.GetValue(configOption));
            if (config is null)
            {
                return ExitCodes.InvalidConfig;
            }

            if (config.QuotaProviders.Count == 0)
            {
                CliContext.Error("no quota providers are configured: add [[quota_providers]] (budget_http_json or openai_costs) to the config file");
                return ExitCodes.InvalidConfig;
            }

            var rows = await FromGatewayAsync(config, ct) ?? await LocallyAsync(context, config, ct);
            if (parse.GetValue(_json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("account", "provider", "spent / budget", "used", "resets");
            foreach (var r in rows)
            {
                table.AddRow(
                    Markup.Escape(r.Account),
                    Markup.Escape(r.Provider),
                    r.Known ? string.Create(CultureInfo.InvariantCulture, $"${r.Spent:0.00} / ${r.Budget:0.00}") : "[yellow]unknown (lookup failed)[/]",
                    r.Share is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:P0}") : "—",
                    r.ResetsAt?.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "—");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Success;
        }, ct));
    }

    internal sealed record Row(string Account, string Provider, bool Known, decimal? Budget, decimal? Spent, double? Share, DateTimeOffset? ResetsAt);

    private static async Task<List<Row>?> FromGatewayAsync(TollgateConfig config, CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            using var response = await http.PostAsync(CliContext.GatewayUrl(config) + "/_tollgate/accounts/refresh", null, cancellationToken);
            return response.IsSuccessStatusCode
                ? await response.Content.ReadFromJsonAsync<List<Row>>(new JsonSerializerOptions(JsonSerializerDefaults.Web), cancellationToken)
                : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    private static async Task<List<Row>> LocallyAsync(AccountsContext context, TollgateConfig config, CancellationToken cancellationToken)
    {
        var stored = await context.Accounts.Store.ListAsync(cancellationToken);
        var accounts = stored.Concat(config.Accounts.Where(c => !stored.Any(s => string.Equals(s.Name, c.Name, StringComparison.OrdinalIgnoreCase)))).ToList();
        var keys = (await context.Accounts.ExportAsync(cancellationToken)).ToDictionary(b => b.Account.Id, b => b.Key);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var rows = new List<Row>();
        foreach (var account in accounts)
        {
            foreach (var provider in config.QuotaProviders.Where(p => p.Covers(account)))
            {
                var key = keys.GetValueOrDefault(account.Id) ?? (account.CredentialEnv is { } env ? Environment.GetEnvironmentVariable(env) : null);
                var reading = await provider.ReadAsync(account, key, http, TimeProvider.System.GetUtcNow(), cancellationToken);
                rows.Add(new Row(account.Name, provider.Name, reading is not null, reading?.Budget, reading?.Spent, reading?.Share, reading?.ResetsAt));
            }
        }

        return rows;
    }
}
