using System.Text.Json;
using Tollgate.Core.Usage;

namespace Tollgate.Tests.RealClients;

/// <summary>
/// The JSON Lines that <c>codex exec --json</c> prints: <c>thread.started</c>,
/// <c>turn.started</c>, <c>item.completed</c>, <c>turn.completed {usage}</c> or
/// <c>turn.failed</c>, and an <c>error</c> event per retry ("Reconnecting... n/5").
/// </summary>
internal sealed class CodexOutput
{
    // Codex 0.169 has no catalog entry for gpt-5.1-codex and says so in an error item; it is
    // harmless and unrelated to the gateway, so it is the one error item tolerated.
    private const string MissingMetadataNotice = "Model metadata for `";

    private CodexOutput(ClientRun run, IReadOnlyList<JsonElement> events)
    {
        Run = run;
        Events = events;
    }

    public ClientRun Run { get; }

    public IReadOnlyList<JsonElement> Events { get; }

    public string ThreadId => Single("thread.started").GetProperty("thread_id").GetString()!;

    /// <summary>The assistant texts; a retried attempt repeats its message, so more than one means a retry.</summary>
    public IReadOnlyList<string> AgentMessages => Items("agent_message").Select(i => i.GetProperty("text").GetString()!).ToList();

    /// <summary>Retries, fallbacks and failures: <c>error</c> and <c>turn.failed</c> events and error items.</summary>
    public IReadOnlyList<string> Problems =>
        Events.Where(e => Type(e) is "error" or "turn.failed").Select(e => e.GetRawText())
            .Concat(Items("error").Where(i => !(i.GetProperty("message").GetString() ?? "").StartsWith(MissingMetadataNotice, StringComparison.Ordinal)).Select(i => i.GetRawText()))
            .ToList();

    /// <summary>The usage of <c>turn.completed</c> (the thread's cumulative usage), in the gateway's terms.</summary>
    public TokenUsage TurnUsage
    {
        get
        {
            var u = Single("turn.completed").GetProperty("usage");
            return new TokenUsage(
                u.GetProperty("input_tokens").GetInt64(),
                u.GetProperty("cached_input_tokens").GetInt64(),
                u.GetProperty("cache_write_input_tokens").GetInt64(),
                u.GetProperty("output_tokens").GetInt64(),
                u.GetProperty("reasoning_output_tokens").GetInt64());
        }
    }

    public static CodexOutput Parse(ClientRun run)
    {
        var events = new List<JsonElement>();
        foreach (var line in run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('{'))
            {
                using var doc = JsonDocument.Parse(line);
                events.Add(doc.RootElement.Clone());
            }
        }

        return new CodexOutput(run, events);
    }

    public JsonElement Single(string type)
    {
        var matches = Events.Where(e => Type(e) == type).ToList();
        Assert.True(matches.Count == 1, $"expected one '{type}' event, got {matches.Count}.\n{Run.Output}");
        return matches[0];
    }

    private IEnumerable<JsonElement> Items(string itemType) =>
        Events.Where(e => Type(e) == "item.completed" && e.TryGetProperty("item", out var item) && Type(item) == itemType)
            .Select(e => e.GetProperty("item"));

    private static string? Type(JsonElement e) => e.TryGetProperty("type", out var t) ? t.GetString() : null;
}
