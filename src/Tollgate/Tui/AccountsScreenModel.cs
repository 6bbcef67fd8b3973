using System.Globalization;
using Tollgate.Cli;

namespace Tollgate.Tui;

/// <summary>
/// What the Accounts screen shows — each account's health, cooldown and usage against its
/// limits, and the details of the selected one — and what it changes, through an
/// <see cref="IAccountEditor"/> (the CLI's code). Every change answers with the line the status bar shows.
/// </summary>
internal sealed class AccountsScreenModel(ITuiDataSource source, IAccountEditor editor, TimeProvider time)
{
    public const string Header = "Name             Health           Today                  This month";

    private IReadOnlyList<AccountRow> _accounts = [];

    public IReadOnlyList<AccountRow> Accounts => Volatile.Read(ref _accounts);

    public async Task RefreshAsync(CancellationToken cancellationToken) =>
        Volatile.Write(ref _accounts, await source.AccountsAsync(cancellationToken));

    public IReadOnlyList<string> Lines()
    {
        var now = time.GetUtcNow();
        return Accounts.Select(a => Line(a, now)).ToList();
    }

    public static string Line(AccountRow a, DateTimeOffset now) =>
        $"{TuiFormat.Fit(a.Name, 16)} {TuiFormat.Fit(Health(a, now), 16)} {TuiFormat.Fit(Against(a.Usage.TokensToday, a.Usage.CostUsdToday, a.Limits.DailyTokens, a.Limits.DailyUsd), 22)} {Against(a.Usage.TokensThisMonth, a.Usage.CostUsdThisMonth, a.Limits.MonthlyTokens, a.Limits.MonthlyUsd)}";

    /// <summary>The state, with how long a cooldown or an open breaker still lasts.</summary>
    public static string Health(AccountRow a, DateTimeOffset now)
    {
        if (!a.Enabled)
        {
            return "disabled";
        }

        var left = a.Health.Until is { } until && until > now ? " " + LimitsText.Span(until - now) : "";
        return a.Health.State switch
        {
            "cooldown" => "cooldown" + left,
            "breaker-open" => "breaker open" + left,
            "exhausted" => "exhausted" + left,
            "needs-attention" => "needs attention",
            var state => state,
        };
    }

    /// <summary>Tokens and dollars, each against its limit when there is one: <c>12.3k/100k $0.4000</c>.</summary>
    public static string Against(long tokens, decimal usd, long? tokenLimit, decimal? usdLimit) =>
        TuiFormat.Tokens(tokens) + (tokenLimit is { } tl ? "/" + TuiFormat.Tokens(tl) : "") + " " +
        TuiFormat.Usd(usd) + (usdLimit is { } ul ? "/" + TuiFormat.Usd(ul) : "");

    /// <summary>The details pane of one account.</summary>
    public IReadOnlyList<string> Details(int index)
    {
        var accounts = Accounts;
        if (index < 0 || index >= accounts.Count)
        {
            return [accounts.Count == 0 ? "No accounts: calls pass through with the client's own key. Press a to add one." : ""];
        }

        var a = accounts[index];
        var now = time.GetUtcNow();
        var health = Health(a, now) + (a.Health.Reason is { } reason ? $" ({reason})" : "");
        return
        [
            $"{a.Name}  ·  {a.Provider}  ·  pool {a.Pool}  ·  {(a.Enabled ? "enabled" : "disabled")}",
            $"URL     {a.BaseUrl}",
            $"Key     {a.KeyFingerprint ?? "from the environment"}",
            $"Health  {health}",
            $"Today   {Against(a.Usage.TokensToday, a.Usage.CostUsdToday, a.Limits.DailyTokens, a.Limits.DailyUsd)}",
            $"Month   {Against(a.Usage.TokensThisMonth, a.Usage.CostUsdThisMonth, a.Limits.MonthlyTokens, a.Limits.MonthlyUsd)}",
        ];
    }

    /// <summary>Adds an account; the answer says what happened (or what was wrong with the fields).</summary>
    public Task<string> AddAsync(string name, string baseUrl, string key, CancellationToken cancellationToken) => ChangeAsync(async () =>
    {
        var account = await editor.AddAsync(name, baseUrl, key, cancellationToken);
        return $"Added account '{account.Name}' (key {account.KeyFingerprint}); the gateway uses it within seconds.";
    }, cancellationToken);

    public Task<string> RemoveAsync(AccountRow account, CancellationToken cancellationToken) => ChangeAsync(async () =>
        await editor.RemoveAsync(account.Id, cancellationToken)
            ? $"Removed account '{account.Name}'. Its usage history stays in the reports."
            : $"'{account.Name}' is declared in the config file: remove it there.", cancellationToken);

    public Task<string> ToggleAsync(AccountRow account, CancellationToken cancellationToken) => ChangeAsync(async () =>
        await editor.SetEnabledAsync(account.Id, !account.Enabled, cancellationToken)
            ? string.Create(CultureInfo.InvariantCulture, $"Account '{account.Name}' {(account.Enabled ? "disabled" : "enabled")}.")
            : $"'{account.Name}' is declared in the config file: change it there.", cancellationToken);

    private async Task<string> ChangeAsync(Func<Task<string>> change, CancellationToken cancellationToken)
    {
        string message;
        try
        {
            message = await change();
        }
        catch (Exception e) when (AccountEditor.Explain(e) is { } explained)
        {
            return explained;
        }

        await RefreshAsync(cancellationToken);
        return message;
    }
}
