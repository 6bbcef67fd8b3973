using System.Globalization;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Queries;

namespace Tollgate.Api;

/// <summary>Reads the API's query parameters; anything unusable becomes a <see cref="QueryParameterException"/> naming it.</summary>
internal static class ApiQuery
{
    public static UsageRange Range(HttpRequest request, DateTimeOffset now, string defaultRange = "last7days") =>
        UsageRange.Parse(One(request, "range"), One(request, "start"), One(request, "end"), One(request, "tz"), now, defaultRange);

    /// <summary><c>source=gateway|codex-log|all</c> (default all = null).</summary>
    public static string? Source(HttpRequest request) => One(request, "source") switch
    {
        null or "all" => null,
        "gateway" => "gateway",
        "codex-log" => "codex-log",
        var other => throw new QueryParameterException("source", $"'{other}' is not a source; use gateway, codex-log or all"),
    };

    public static int Int(HttpRequest request, string name, int defaultValue, int min, int max)
    {
        var text = One(request, name);
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new QueryParameterException(name, $"'{text}' is not a whole number from {min} to {max}");
    }

    public static bool? Bool(HttpRequest request, string name) => One(request, name) switch
    {
        null => null,
        "true" or "1" => true,
        "false" or "0" => false,
        var other => throw new QueryParameterException(name, $"'{other}' is not true or false"),
    };

    /// <summary>A value from a fixed list (case-sensitive, as documented), or the default.</summary>
    public static string Choice(HttpRequest request, string name, string? defaultValue, params string[] allowed)
    {
        var text = One(request, name) ?? defaultValue;
        return text is not null && allowed.Contains(text, StringComparer.Ordinal)
            ? text
            : throw new QueryParameterException(name, $"'{text}' is not one of {string.Join(", ", allowed)}");
    }

    /// <summary>A free-text filter value: at most 200 characters, no control characters.</summary>
    public static string? Text(HttpRequest request, string name)
    {
        var text = One(request, name);
        return text is null || (text.Length <= 200 && !text.Any(char.IsControl))
            ? text
            : throw new QueryParameterException(name, "must be at most 200 characters, without control characters");
    }

    public static string? One(HttpRequest request, string name) => request.Query.TryGetValue(name, out var values) switch
    {
        false => null,
        true when values.Count == 1 => values[0] is { Length: > 0 } v ? v : throw new QueryParameterException(name, "is empty"),
        _ => throw new QueryParameterException(name, "is given more than once"),
    };

    public static object RangeView(UsageRange range) => new
    {
        name = range.Name,
        start = range.From,
        end = range.Until,
        tz = range.Zone.Id,
        previousStart = range.Previous?.From,
        previousEnd = range.Previous?.Until,
    };

    /// <summary>One record as the API shows it (events and the live feed): no credential is part of a record.</summary>
    public static object EventView(UsageRecord r) => new
    {
        id = r.Id.ToString("N"),
        time = r.Time,
        source = r.Source,
        service = r.Service,
        method = r.Method,
        endpoint = r.Endpoint,
        status = r.Status,
        outcome = r.Outcome.ToString(),
        model = r.Model,
        stream = r.Stream,
        transport = r.Transport,
        latencyMs = Math.Round(r.LatencyMs, 3),
        ttfbMs = r.TimeToFirstByteMs is { } t ? Math.Round(t, 3) : (double?)null,
        usageState = r.UsageState.ToString(),
        estimated = r.UsageEstimated,
        inputTokens = r.Usage?.InputTokens,
        cachedInputTokens = r.Usage?.CachedInputTokens,
        cacheWriteTokens = r.Usage?.CacheWriteTokens,
        outputTokens = r.Usage?.OutputTokens,
        reasoningTokens = r.Usage?.ReasoningTokens,
        totalTokens = r.Usage?.TotalTokens,
        costUsd = r.CostUsd,
        sessionId = r.SessionId,
        account = r.Account,
        attempt = r.Attempt,
        serviceTier = r.ServiceTier,
        reasoningEffort = r.ReasoningEffort,
        errorType = r.ErrorType,
    };
}
