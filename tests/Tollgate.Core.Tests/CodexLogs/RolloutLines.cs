using System.Text;
using System.Text.Json;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>Builds rollout lines in the shape the Codex CLI (0.169) writes them.</summary>
internal static class RolloutLines
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static string Meta(string id, string? forkedFrom = null, int second = 0) => Line(second, "session_meta", new Dictionary<string, object?>
    {
        ["id"] = id,
        ["session_id"] = id,
        ["cwd"] = "/work/project",
        ["originator"] = "codex_cli_rs",
        ["cli_version"] = "0.169.0",
        ["source"] = "cli",
        ["forked_from_id"] = forkedFrom,
    });

    public static string Turn(string model, string? effort, int second = 1)
    {
        var payload = new Dictionary<string, object?> { ["turn_id"] = "turn-" + second, ["cwd"] = "/work/project", ["model"] = model };
        if (effort is not null)
        {
            payload["effort"] = effort;
        }

        return Line(second, "turn_context", payload);
    }

    public static string UsageJson(long input, long cached, long output, long reasoning) =>
        $$"""{"input_tokens":{{input}},"cached_input_tokens":{{cached}},"cache_write_input_tokens":0,"output_tokens":{{output}},"reasoning_output_tokens":{{reasoning}},"total_tokens":{{input + output}}}""";

    /// <param name="rateLimits">The line's <c>rate_limits</c> JSON; by default a five-hour window 12 % used.</param>
    public static string TokenCount(int second, string? total, string? last, bool infoNull = false, string? rateLimits = null)
    {
        var info = infoNull ? "null" : "{" + string.Join(",", new[]
        {
            total is null ? null : $"\"total_token_usage\":{total}",
            last is null ? null : $"\"last_token_usage\":{last}",
            "\"last_usage_includes_reasoning\":false,\"model_context_window\":258400",
        }.Where(x => x is not null)) + "}";
        var time = T0.AddSeconds(second).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        return "{\"timestamp\":\"" + time + "\",\"ordinal\":" + second + ",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":" + info
            + ",\"rate_limits\":" + (rateLimits ?? Limits(12.0)) + "}}";
    }

    /// <summary>A <c>rate_limits</c> object with a five-hour window <paramref name="usedPercent"/> used.</summary>
    public static string Limits(double usedPercent) =>
        "{\"limit_id\":\"codex\",\"primary\":{\"used_percent\":" + usedPercent.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + ",\"window_minutes\":300,\"resets_at\":1795450000}}";

    public static string Message(int second, string text) =>
        Line(second, "response_item", new Dictionary<string, object?> { ["type"] = "message", ["role"] = "assistant", ["content"] = new[] { new { type = "output_text", text } } });

    private static string Line(int second, string type, Dictionary<string, object?> payload) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["timestamp"] = T0.AddSeconds(second).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["ordinal"] = second,
            ["type"] = type,
            ["payload"] = payload.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value),
        });

    public static byte[] Bytes(string line) => Encoding.UTF8.GetBytes(line);
}
