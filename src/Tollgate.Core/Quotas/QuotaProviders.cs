using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Tollgate.Core.Accounts;

namespace Tollgate.Core.Quotas;

/// <summary>What a quota lookup found: a budget, what is spent of it, and when it resets (if known).</summary>
public sealed record QuotaReading(decimal Budget, decimal Spent, DateTimeOffset? ResetsAt)
{
    public double Share => Budget <= 0 ? 1.0 : (double)(Spent / Budget);
}

/// <summary>
/// A source of remaining-quota figures for some accounts, polled by the gateway. A lookup that
/// fails returns null: the quota is then unknown, which never counts as exhausted.
/// </summary>
public interface IQuotaProvider
{
    /// <summary>A short description for logs and the CLI (never a secret).</summary>
    string Name { get; }
    TimeSpan Interval { get; }
    bool Covers(Account account);

    /// <param name="accountKey">The account's own key, for providers that authenticate with it.</param>
    Task<QuotaReading?> ReadAsync(Account account, string? accountKey, HttpClient http, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// <c>budget_http_json</c>: an endpoint (typically a relay's) that returns JSON with a budget and
/// a spent figure. Matched to accounts by the domain of their base URL; authenticated with a
/// token from an environment variable, or else the account's own key.
/// </summary>
public sealed record BudgetHttpJsonProvider(
    string Url,
    string MatchDomain,
    string? TokenEnv = null,
    string BudgetField = "budget",
    string SpentField = "spent",
    string? ResetField = null,
    TimeSpan? PollInterval = null) : IQuotaProvider
{
    public string Name => $"budget_http_json {new Uri(Url).Host}";
    public TimeSpan Interval => PollInterval ?? TimeSpan.FromMinutes(5);

    public bool Covers(Account account) =>
        Uri.TryCreate(account.BaseUrl, UriKind.Absolute, out var u)
        && (u.Host.Equals(MatchDomain, StringComparison.OrdinalIgnoreCase) || u.Host.EndsWith("." + MatchDomain, StringComparison.OrdinalIgnoreCase));

    public async Task<QuotaReading?> ReadAsync(Account account, string? accountKey, HttpClient http, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = TokenEnv is null ? accountKey : Environment.GetEnvironmentVariable(TokenEnv);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var doc = await QuotaHttp.GetJsonAsync(http, request, cancellationToken);
        if (doc is null || QuotaHttp.Number(doc.RootElement, BudgetField) is not { } budget || QuotaHttp.Number(doc.RootElement, SpentField) is not { } spent)
        {
            return null;
        }

        DateTimeOffset? resets = null;
        if (ResetField is not null && QuotaHttp.Find(doc.RootElement, ResetField) is { } r)
        {
            resets = r.ValueKind == JsonValueKind.Number && r.TryGetInt64(out var unix) ? DateTimeOffset.FromUnixTimeSeconds(unix)
                : r.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(r.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
                : null;
        }

        return new QuotaReading(budget, spent, resets);
    }
}

/// <summary>
/// <c>openai_costs</c>: this month's spend of an OpenAI organisation from its costs API
/// (<c>GET {base}/organization/costs</c>, an admin key from an environment variable), against a
/// monthly budget, for the named accounts.
/// </summary>
public sealed record OpenAICostsProvider(
    IReadOnlyList<string> Accounts,
    string AdminKeyEnv,
    decimal MonthlyBudgetUsd,
    TimeSpan? PollInterval = null) : IQuotaProvider
{
    private const int MaxPages = 12;

    public string Name => $"openai_costs ({string.Join(", ", Accounts)})";
    public TimeSpan Interval => PollInterval ?? TimeSpan.FromMinutes(15);

    public bool Covers(Account account) => Accounts.Contains(account.Name, StringComparer.OrdinalIgnoreCase);

    public async Task<QuotaReading?> ReadAsync(Account account, string? accountKey, HttpClient http, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(AdminKeyEnv) is not { Length: > 0 } adminKey)
        {
            return null;
        }

        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var spent = 0m;
        string? page = null;
        for (var i = 0; i < MaxPages; i++)
        {
            var url = $"{account.BaseUrl.TrimEnd('/')}/organization/costs?start_time={monthStart.ToUnixTimeSeconds()}&bucket_width=1d&limit=31"
                + (page is null ? "" : "&page=" + Uri.EscapeDataString(page));
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var doc = await QuotaHttp.GetJsonAsync(http, request, cancellationToken);
            if (doc is null || !doc.RootElement.TryGetProperty("data", out var buckets) || buckets.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            foreach (var bucket in buckets.EnumerateArray())
            {
                if (bucket.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array)
                {
                    foreach (var result in results.EnumerateArray())
                    {
                        spent += QuotaHttp.Number(result, "amount.value") ?? 0;
                    }
                }
            }

            if (!(doc.RootElement.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True
                && doc.RootElement.TryGetProperty("next_page", out var next) && next.ValueKind == JsonValueKind.String))
            {
                return new QuotaReading(MonthlyBudgetUsd, spent, monthStart.AddMonths(1));
            }

            page = next.GetString();
        }

        return null; // more pages than a month has days: something is off, so the quota is unknown
    }
}

/// <summary>HTTP and JSON helpers the providers share: bounded, and every failure is "unknown".</summary>
internal static class QuotaHttp
{
    private const int MaxBody = 1024 * 1024;

    public static async Task<JsonDocument?> GetJsonAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > MaxBody)
            {
                return null;
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxBody];
            var n = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            return n == MaxBody ? null : JsonDocument.Parse(buffer.AsMemory(0, n));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>A value by dotted path (<c>data.remaining</c>).</summary>
    public static JsonElement? Find(JsonElement root, string path)
    {
        var current = root;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current;
    }

    public static decimal? Number(JsonElement root, string path) => Find(root, path) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetDecimal(out var d) => d,
        { ValueKind: JsonValueKind.String } s when decimal.TryParse(s.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };
}
