using System.Globalization;
using System.Text.Json;

namespace Tollgate.Core.RateLimits;

/// <summary>
/// Reads the in-stream <c>codex.rate_limits</c> event (also sent as a WebSocket frame):
/// <c>{plan_type, rate_limits{primary, secondary{used_percent, window_minutes, reset_at}}, credits}</c>.
/// </summary>
public static class RateLimitEvent
{
    public static RateLimitSnapshot? Read(JsonElement root, DateTimeOffset now)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var windows = new List<RateLimitWindow>();
        var limits = root.TryGetProperty("rate_limits", out var rl) && rl.ValueKind == JsonValueKind.Object ? rl : root;
        foreach (var slot in (ReadOnlySpan<string>)["primary", "secondary"])
        {
            if (limits.TryGetProperty(slot, out var w) && w.ValueKind == JsonValueKind.Object)
            {
                windows.Add(new RateLimitWindow(
                    "codex",
                    slot,
                    Number(w, "used_percent"),
                    (int?)Number(w, "window_minutes"),
                    ResetTime(w, now),
                    Text(w, "limit_name")));
            }
        }

        CreditsState? credits = null;
        if (root.TryGetProperty("credits", out var c) && c.ValueKind == JsonValueKind.Object)
        {
            credits = new CreditsState(Bool(c, "has_credits"), Bool(c, "unlimited"), Number(c, "balance") is { } bal ? (decimal)bal : null);
        }

        var plan = Text(root, "plan_type") ?? (limits.ValueKind == JsonValueKind.Object ? Text(limits, "plan_type") : null);
        var snapshot = new RateLimitSnapshot { Time = now, PlanType = plan, Windows = windows, Credits = credits };
        return snapshot.IsEmpty ? null : snapshot;
    }

    private static DateTimeOffset? ResetTime(JsonElement w, DateTimeOffset now)
    {
        foreach (var name in (ReadOnlySpan<string>)["reset_at", "resets_at"])
        {
            if (Number(w, name) is { } unix)
            {
                return DateTimeOffset.FromUnixTimeSeconds((long)unix);
            }
        }

        foreach (var name in (ReadOnlySpan<string>)["reset_after_seconds", "resets_in_seconds"])
        {
            if (Number(w, name) is { } secs)
            {
                return now.AddSeconds(secs);
            }
        }

        return null;
    }

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        } : null;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => RateLimitHeaders.ParseBool(v.GetString()!),
            _ => null,
        } : null;
}
