using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Tollgate.Core.Accounts;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Queries;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Tui;

/// <summary>
/// The UI's data from a gateway running elsewhere on the machine (<c>tollgate tui --attach URL</c>),
/// through its JSON API: <c>/api/summary</c>, <c>/api/events</c>, <c>/api/live</c>,
/// <c>/api/accounts</c> and <c>/api/limits</c>.
/// </summary>
internal sealed class ApiDataSource(HttpClient http, TimeProvider time) : ITuiDataSource
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How long one query may take; the live stream has none (it stays open).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public string Description => $"attached to {http.BaseAddress}";

    /// <summary>Whether a Tollgate gateway answers at the client's base address (its health route says so).</summary>
    public static async Task<bool> ProbeAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("_tollgate/health", cancellationToken);
            return response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).TryGetProperty("status", out var status)
                && status.GetString() == "ok";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or NotSupportedException or InvalidOperationException)
        {
            return false;
        }
    }

    public async Task<UsageFigures> TotalsAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var query = $"api/summary?start={Uri.EscapeDataString(Rfc3339(from))}&end={Uri.EscapeDataString(Rfc3339(until))}";
        var summary = await GetAsync(query, cancellationToken);
        return summary.GetProperty("totals").Deserialize<UsageFigures>(Json) ?? UsageFigures.Zero;
    }

    public async Task<IReadOnlyList<RequestRow>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        var page = await GetAsync($"api/events?limit={limit}", cancellationToken);
        return page.GetProperty("events").EnumerateArray().Select(ReadEvent).ToList();
    }

    public async IAsyncEnumerable<RequestRow> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/live");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var eventName = "";
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == "record")
            {
                using var document = JsonDocument.Parse(line[6..]);
                yield return ReadEvent(document.RootElement);
            }
            else if (line.Length == 0)
            {
                eventName = "";
            }
        }
    }

    public async Task<IReadOnlyList<AccountRow>> AccountsAsync(CancellationToken cancellationToken)
    {
        var body = await GetAsync("api/accounts", cancellationToken);
        return body.GetProperty("accounts").EnumerateArray().Select(a =>
        {
            var health = a.GetProperty("health");
            var usage = a.GetProperty("usage");
            return new AccountRow(
                Guid.Parse(a.GetProperty("id").GetString()!),
                a.GetProperty("name").GetString()!,
                a.GetProperty("provider").GetString()!,
                a.GetProperty("baseUrl").GetString()!,
                a.GetProperty("pool").GetString()!,
                a.GetProperty("enabled").GetBoolean(),
                Text(a, "keyFingerprint"),
                new AccountHealthView(health.GetProperty("state").GetString()!, Time(health, "until"), Text(health, "reason")),
                usage.Deserialize<AccountUsageView>(Json)!,
                a.GetProperty("limits").Deserialize<AccountLimits>(Json)!);
        }).ToList();
    }

    public async Task<LimitsReport> LimitsAsync(CancellationToken cancellationToken)
    {
        var body = await GetAsync("api/limits", cancellationToken);
        var sources = body.GetProperty("limits").EnumerateArray().Select(s => new LimitSourceRow(
            s.GetProperty("source").GetString()!,
            Text(s, "home"),
            Text(s, "planType"),
            Time(s, "observedAt") ?? time.GetUtcNow(),
            s.GetProperty("windows").EnumerateArray().Select(w => new LimitWindowRow(
                Text(w, "kind") switch { "5h" => WindowKind.FiveHour, "weekly" => WindowKind.Weekly, "other" => WindowKind.Other, _ => WindowKind.Unknown },
                Text(w, "slot") ?? "",
                Number(w, "usedPercent"),
                (int?)Number(w, "windowMinutes"),
                Time(w, "resetsAt"),
                w.GetProperty("reset").GetBoolean(),
                (long)(Number(w, "callsInWindow") ?? Number(w, "messagesInWindow") ?? 0))).ToList()) { Account = Text(s, "account") }).ToList();
        var sessions = body.GetProperty("activeSessions").EnumerateArray().Select(s => new CodexSession(
            s.GetProperty("sessionId").GetString()!,
            Text(s, "home") ?? "",
            "",
            Text(s, "cwd"),
            null,
            null,
            Text(s, "model"),
            null,
            null,
            null,
            null,
            Time(s, "lastActivity"),
            0,
            0,
            (long?)Number(s, "contextWindow"),
            (long?)Number(s, "lastInputTokens"))).ToList();
        return new LimitsReport(sources, sessions, time.GetUtcNow());
    }

    /// <summary>One record as <c>/api/events</c> and <c>/api/live</c> show it.</summary>
    internal static RequestRow ReadEvent(JsonElement e)
    {
        TokenUsage? usage = Number(e, "inputTokens") is { } input
            ? new TokenUsage((long)input, (long)(Number(e, "cachedInputTokens") ?? 0), (long)(Number(e, "cacheWriteTokens") ?? 0), (long)(Number(e, "outputTokens") ?? 0), (long)(Number(e, "reasoningTokens") ?? 0))
            : null;
        return new RequestRow(
            Guid.Parse(e.GetProperty("id").GetString()!),
            e.GetProperty("time").GetDateTimeOffset(),
            Text(e, "model"),
            Text(e, "account"),
            e.GetProperty("status").GetInt32(),
            Enum.TryParse<CallOutcome>(Text(e, "outcome"), out var outcome) ? outcome : CallOutcome.Success,
            e.GetProperty("latencyMs").GetDouble(),
            usage,
            e.TryGetProperty("costUsd", out var cost) && cost.ValueKind == JsonValueKind.Number ? cost.GetDecimal() : null);
    }

    private async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(RequestTimeout);
        return await http.GetFromJsonAsync<JsonElement>(path, Json, limit.Token);
    }

    private static string Rfc3339(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture);

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetDateTimeOffset() : null;
}
