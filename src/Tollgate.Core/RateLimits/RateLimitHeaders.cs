using System.Globalization;

namespace Tollgate.Core.RateLimits;

/// <summary>
/// Reads rate-limit response headers: <c>x-&lt;family&gt;-primary-*</c> / <c>-secondary-*</c>,
/// <c>x-codex-credits-*</c>, <c>x-codex-plan-type</c>, <c>x-ratelimit-*</c> and <c>retry-after</c>.
/// </summary>
public static class RateLimitHeaders
{
    /// <summary>Returns null when no header of interest is present.</summary>
    public static RateLimitSnapshot? Read(IEnumerable<KeyValuePair<string, string>> headers, DateTimeOffset now)
    {
        Dictionary<(string Family, string Slot), WindowBuilder>? windows = null;
        Dictionary<string, string>? limitNames = null;
        string? planType = null;
        bool? hasCredits = null, unlimited = null;
        decimal? balance = null;
        long? limitRequests = null, remainingRequests = null, limitTokens = null, remainingTokens = null;
        TimeSpan? resetRequests = null, resetTokens = null, retryAfter = null;
        var sawApi = false;
        var sawCredits = false;

        foreach (var (rawName, value) in headers)
        {
            // Most headers are neither: skip them before allocating a lower-cased name.
            if (!rawName.StartsWith("x-", StringComparison.OrdinalIgnoreCase) && !rawName.StartsWith("retry-after", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var name = rawName.ToLowerInvariant();
            if (name == "retry-after")
            {
                retryAfter = ParseRetryAfter(value, now) ?? retryAfter;
                sawApi |= retryAfter is not null;
                continue;
            }

            if (name == "retry-after-ms" && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                retryAfter = TimeSpan.FromMilliseconds(ms);
                sawApi = true;
                continue;
            }

            if (!name.StartsWith("x-", StringComparison.Ordinal))
            {
                continue;
            }

            if (name.StartsWith("x-ratelimit-", StringComparison.Ordinal))
            {
                sawApi = true;
                switch (name)
                {
                    case "x-ratelimit-limit-requests": limitRequests = ParseLong(value); break;
                    case "x-ratelimit-remaining-requests": remainingRequests = ParseLong(value); break;
                    case "x-ratelimit-reset-requests": resetRequests = ParseDuration(value); break;
                    case "x-ratelimit-limit-tokens": limitTokens = ParseLong(value); break;
                    case "x-ratelimit-remaining-tokens": remainingTokens = ParseLong(value); break;
                    case "x-ratelimit-reset-tokens": resetTokens = ParseDuration(value); break;
                    default: break;
                }

                continue;
            }

            switch (name)
            {
                case "x-codex-plan-type":
                    planType = value;
                    continue;
                case "x-codex-credits-has-credits":
                    hasCredits = ParseBool(value);
                    sawCredits = true;
                    continue;
                case "x-codex-credits-unlimited":
                    unlimited = ParseBool(value);
                    sawCredits = true;
                    continue;
                case "x-codex-credits-balance":
                    balance = decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) ? b : null;
                    sawCredits = true;
                    continue;
                default:
                    break;
            }

            // x-<family>-limit-name, x-<family>-(primary|secondary)-<field>
            var rest = name.AsSpan(2);
            var dash = rest.IndexOf('-');
            if (dash <= 0)
            {
                continue;
            }

            var family = rest[..dash].ToString();
            var tail = rest[(dash + 1)..];
            if (tail.SequenceEqual("limit-name"))
            {
                (limitNames ??= [])[family] = value;
                continue;
            }

            string slot;
            if (tail.StartsWith("primary-"))
            {
                slot = "primary";
                tail = tail["primary-".Length..];
            }
            else if (tail.StartsWith("secondary-"))
            {
                slot = "secondary";
                tail = tail["secondary-".Length..];
            }
            else
            {
                continue;
            }

            windows ??= [];
            if (!windows.TryGetValue((family, slot), out var w))
            {
                w = new WindowBuilder();
                windows[(family, slot)] = w;
            }

            switch (tail)
            {
                case "used-percent":
                    w.UsedPercent = ParseDouble(value);
                    break;
                case "window-minutes":
                    w.WindowMinutes = (int?)ParseLong(value);
                    break;
                case "reset-at":
                    w.ResetsAt = ParseLong(value) is { } unix ? DateTimeOffset.FromUnixTimeSeconds(unix) : w.ResetsAt;
                    break;
                case "reset-after-seconds":
                    w.ResetsAt ??= ParseDouble(value) is { } secs ? now.AddSeconds(secs) : null;
                    break;
                default:
                    break;
            }
        }

        if (windows is null && planType is null && !sawApi && !sawCredits)
        {
            return null;
        }

        var list = new List<RateLimitWindow>();
        if (windows is not null)
        {
            foreach (var ((family, slot), w) in windows.OrderBy(p => p.Key.Family, StringComparer.Ordinal).ThenBy(p => p.Key.Slot, StringComparer.Ordinal))
            {
                list.Add(new RateLimitWindow(family, slot, w.UsedPercent, w.WindowMinutes, w.ResetsAt, limitNames?.GetValueOrDefault(family)));
            }
        }

        return new RateLimitSnapshot
        {
            Time = now,
            PlanType = planType,
            Windows = list,
            Credits = sawCredits ? new CreditsState(hasCredits, unlimited, balance) : null,
            Api = sawApi ? new ApiRateLimits(limitRequests, remainingRequests, resetRequests, limitTokens, remainingTokens, resetTokens, retryAfter) : null,
        };
    }

    /// <summary>Parses OpenAI's reset durations such as <c>6m0s</c>, <c>12ms</c>, <c>1h2m3.5s</c> or a bare number of seconds.</summary>
    public static TimeSpan? ParseDuration(string value)
    {
        var s = value.AsSpan().Trim();
        if (s.IsEmpty)
        {
            return null;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            return TimeSpan.FromSeconds(bare);
        }

        double totalMs = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            totalMs += s[unitStart..i] switch
            {
                "h" => n * 3_600_000,
                "m" => n * 60_000,
                "s" => n * 1000,
                "ms" => n,
                "us" or "µs" => n / 1000,
                "ns" => n / 1_000_000,
                _ => double.NaN,
            };
            if (double.IsNaN(totalMs))
            {
                return null;
            }
        }

        return TimeSpan.FromMilliseconds(totalMs);
    }

    private static TimeSpan? ParseRetryAfter(string value, DateTimeOffset now)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at - now
            : null;
    }

    internal static bool? ParseBool(string value) =>
        bool.TryParse(value.Trim(), out var b) ? b : value.Trim() switch { "1" => true, "0" => false, _ => null };

    private static long? ParseLong(string value) =>
        long.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (long)d : null;

    private static double? ParseDouble(string value) =>
        double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private sealed class WindowBuilder
    {
        public double? UsedPercent { get; set; }
        public int? WindowMinutes { get; set; }
        public DateTimeOffset? ResetsAt { get; set; }
    }
}
