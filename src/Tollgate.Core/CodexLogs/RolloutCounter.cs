using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;

namespace Tollgate.Core.CodexLogs;

/// <summary>One model call found in a rollout file, with what it is billed for.</summary>
/// <param name="ModelGuessed">No <c>turn_context</c> named the model before this call.</param>
public sealed record CodexCall(
    DateTimeOffset Time,
    string ThreadId,
    string? Model,
    bool ModelGuessed,
    string? Effort,
    TokenUsage Usage,
    long? ContextWindow,
    string? Cwd);

/// <summary>The part of a <see cref="RolloutCounter"/> that carries from one line to the next.</summary>
public sealed record RolloutState(
    TokenUsage? LastTotal,
    bool InOwnSession,
    bool SawParentMeta,
    bool Forked,
    bool SawTotal,
    string? ThreadId,
    string? Model,
    string? Effort,
    string? Cwd,
    string? Originator,
    string? CliVersion,
    long? ContextWindow)
{
    /// <summary>Before the first line of a file.</summary>
    public static RolloutState Start { get; } = new(null, false, false, false, false, null, null, null, null, null, null, null);

    /// <summary>The thread this one was forked from, if any.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>The first thing the user typed in this session, shortened for a list.</summary>
    public string? FirstPrompt { get; init; }

    /// <summary>When the session began (its own <c>session_meta</c>).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The latest call or user message.</summary>
    public DateTimeOffset? LastActivity { get; init; }

    /// <summary>Input tokens of the latest call: how full the context window is.</summary>
    public long? LastInputTokens { get; init; }
}

/// <summary>What one rollout line was, for the ingestion report.</summary>
public enum RolloutLineKind
{
    Skipped,
    Malformed,
    Call,
    Message,
}

/// <summary>What one rollout line recorded: a model call, a message the user sent, the usage limits at that moment — or nothing.</summary>
/// <param name="RateLimitsLater">
/// The line carries usage limits that were not read (<see cref="RolloutCounter.DeferRateLimits"/>):
/// <see cref="RolloutCounter.ReadRateLimitsOf"/> reads them from the line when they are wanted.
/// </param>
public readonly record struct RolloutLine(
    RolloutLineKind Kind, CodexCall? Call = null, DateTimeOffset? MessageAt = null, RateLimitSnapshot? RateLimits = null, bool RateLimitsLater = false)
{
    public static RolloutLine Skipped => new(RolloutLineKind.Skipped);

    public static RolloutLine Malformed => new(RolloutLineKind.Malformed);
}

/// <summary>
/// Counts one rollout file (one thread), line by line, by the rules in this folder's
/// README: cumulative totals are turned into positive deltas, re-emitted snapshots add
/// nothing, <c>last_token_usage</c> stands in only where no cumulative total exists, a counter
/// that goes back is a reset, the replayed prefix of a sub-agent file and the parent's share of
/// a fork's first total are dropped, and each call takes the model and effort of the latest
/// <c>turn_context</c>. Feed it lines in file order; it holds only the few fields that carry
/// over between lines, so a file can be resumed from a saved state.
/// </summary>
public sealed class RolloutCounter
{
    private readonly string _fileThreadId;
    private RolloutState _s;

    /// <param name="fileThreadId">The thread id in the file name (<c>rollout-&lt;start&gt;-&lt;thread-id&gt;.jsonl</c>), if it has one.</param>
    /// <param name="state">Where an earlier run stopped in this file; null to start from its beginning.</param>
    public RolloutCounter(string? fileThreadId, RolloutState? state = null)
    {
        _fileThreadId = fileThreadId ?? "";
        _s = state ?? RolloutState.Start;
    }

    /// <summary>What carries over to the next line, saved with the file's cursor.</summary>
    public RolloutState State => _s;

    /// <summary>
    /// Leaves the usage limits of <c>token_count</c> lines unread and marks those lines with
    /// <see cref="RolloutLine.RateLimitsLater"/> instead. Codex writes them with every call, a file's
    /// reader keeps only the latest, and reading each cost a tenth of a first ingest's time.
    /// </summary>
    public bool DeferRateLimits { get; init; }

    /// <summary>
    /// With <see cref="DeferRateLimits"/>, plain <c>token_count</c> lines are read by
    /// <see cref="TokenCountScanner"/> instead of the JSON parser (the default); tests turn it
    /// off to compare both ways on the same lines.
    /// </summary>
    internal bool ScanTokenCounts { get; init; } = true;

    public string? ThreadId => _s.ThreadId;
    public string? Model => _s.Model;
    public string? Effort => _s.Effort;
    public string? Cwd => _s.Cwd;
    public long? ContextWindow => _s.ContextWindow;

    /// <summary>True when the line may matter: cheap byte markers, checked before any JSON parsing.</summary>
    /// <remarks>
    /// Codex writes the line's <c>type</c> (and an <c>event_msg</c>'s payload type) within its
    /// first bytes: <c>{"timestamp":…,"ordinal":N,"type":"response_item","payload":{"type":…</c>.
    /// So the head decides for nearly every line — the long <c>response_item</c> lines, most of
    /// a file, are never scanned. A line whose head does not look like that (another writer, keys
    /// in another order) falls back to searching the whole line for the markers.
    /// </remarks>
    public static bool MayMatter(ReadOnlySpan<byte> line)
    {
        var head = line[..Math.Min(line.Length, HeadBytes)];
        var at = head.IndexOf("\"type\":\""u8);
        if (at < 0)
        {
            return MayMatterAnywhere(line);
        }

        var type = head[(at + 8)..];
        if (type.StartsWith("response_item\""u8) || type.StartsWith("world_state\""u8) || type.StartsWith("token_usage_record\""u8) || type.StartsWith("compacted\""u8))
        {
            return false;
        }

        if (type.StartsWith("session_meta\""u8) || type.StartsWith("turn_context\""u8))
        {
            return true;
        }

        var eventPrefix = "event_msg\",\"payload\":{\"type\":\""u8;
        if (!type.StartsWith(eventPrefix))
        {
            return MayMatterAnywhere(line);
        }

        var payloadType = type[eventPrefix.Length..];
        return payloadType.StartsWith("token_count\""u8) || payloadType.StartsWith("user_message\""u8)
            || (payloadType.StartsWith("item_completed\""u8) && line.IndexOf("\"UserMessage\""u8) >= 0);
    }

    /// <summary>How far into a line its type is looked for.</summary>
    internal const int HeadBytes = 160;

    private static bool MayMatterAnywhere(ReadOnlySpan<byte> line) =>
        line.IndexOf("token_count"u8) >= 0 || line.IndexOf("turn_context"u8) >= 0 || line.IndexOf("session_meta"u8) >= 0
        || line.IndexOf("user_message"u8) >= 0 || line.IndexOf("UserMessage"u8) >= 0;

    /// <summary>Reads one line; returns the call, user message or limits it records, if any.</summary>
    public RolloutLine Read(ReadOnlySpan<byte> line)
    {
        line = WithoutCr(line);
        if (line.IsEmpty || !MayMatter(line))
        {
            return line.IsEmpty || line[0] == '{' ? RolloutLine.Skipped : RolloutLine.Malformed;
        }

        if (!LooksLikeObject(line))
        {
            return RolloutLine.Malformed;
        }

        try
        {
            if (DeferRateLimits && ScanTokenCounts && TokenCountScanner.TryRead(line, out var scanned))
            {
                return ReadTokenCount(scanned, limits: null);
            }

            var reader = new Utf8JsonReader(line);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || !root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
            {
                return RolloutLine.Malformed;
            }

            switch (type.GetString())
            {
                case "session_meta":
                    ReadSessionMeta(root, payload);
                    return RolloutLine.Skipped;
                case "turn_context":
                    _s = _s with
                    {
                        Model = Str(payload, "model") ?? _s.Model,
                        Effort = Str(payload, "effort") ?? (payload.TryGetProperty("model", out _) ? null : _s.Effort), // absent = the model's default effort
                        Cwd = Str(payload, "cwd") ?? _s.Cwd,
                    };
                    return RolloutLine.Skipped;
                case "event_msg":
                    return Str(payload, "type") switch
                    {
                        "token_count" => ReadTokenCount(root, payload),
                        "user_message" => ReadUserMessage(root, Str(payload, "message")),
                        "item_completed" when payload.TryGetProperty("item", out var item) && item.ValueKind == JsonValueKind.Object && Str(item, "type") == "UserMessage"
                            => ReadUserMessage(root, ItemText(item)),
                        _ => RolloutLine.Skipped,
                    };
                default:
                    return RolloutLine.Skipped;
            }
        }
        catch (Exception e) when (IsMalformed(e))
        {
            return RolloutLine.Malformed;
        }
    }

    /// <summary>The longest first-prompt preview kept.</summary>
    public const int PromptPreviewLength = 120;

    private RolloutLine ReadUserMessage(JsonElement root, string? text)
    {
        if (_s.SawParentMeta && !_s.InOwnSession)
        {
            return RolloutLine.Skipped; // the parent's, replayed
        }

        var time = ReadTime(root) ?? throw new FormatException("no timestamp");
        _s = _s with { FirstPrompt = _s.FirstPrompt ?? Preview(text), LastActivity = Later(_s.LastActivity, time) };
        return new RolloutLine(RolloutLineKind.Message, MessageAt: time);
    }

    private static string? ItemText(JsonElement item)
    {
        if (!item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && Str(part, "text") is { } text)
            {
                return text;
            }
        }

        return null;
    }

    /// <summary>One line of at most <see cref="PromptPreviewLength"/> characters, whitespace collapsed.</summary>
    internal static string? Preview(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return collapsed.Length <= PromptPreviewLength ? collapsed : collapsed[..(PromptPreviewLength - 1)] + "…";
    }

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private void ReadSessionMeta(JsonElement root, JsonElement payload)
    {
        var id = Str(payload, "id") ?? Str(payload, "session_id");
        if (id is null)
        {
            return;
        }

        if (_fileThreadId.Length > 0 && !string.Equals(id, _fileThreadId, StringComparison.OrdinalIgnoreCase))
        {
            // A sub-agent file begins with its parent's meta; what follows, up to our own, is the parent's replay.
            _s = _s with { SawParentMeta = _s.SawParentMeta || !_s.InOwnSession };
            return;
        }

        _s = _s with
        {
            ThreadId = id,
            InOwnSession = true,
            Forked = _s.Forked || Str(payload, "forked_from_id") is not null,
            ForkedFrom = Str(payload, "forked_from_id") ?? _s.ForkedFrom,
            Cwd = Str(payload, "cwd") ?? _s.Cwd,
            Originator = Str(payload, "originator") ?? _s.Originator,
            CliVersion = Str(payload, "cli_version") ?? _s.CliVersion,
            StartedAt = _s.StartedAt ?? ReadTime(root),
        };
    }

    private RolloutLine ReadTokenCount(JsonElement root, JsonElement payload)
    {
        var replayed = _s.SawParentMeta && !_s.InOwnSession;
        var hasInfo = payload.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object;
        return ReadTokenCount(
            new TokenCountLine
            {
                InfoIsObject = hasInfo,
                Total = hasInfo ? ReadUsage(info, "total_token_usage") : null,
                Last = hasInfo ? ReadUsage(info, "last_token_usage") : null,
                ContextWindow = hasInfo && info.TryGetProperty("model_context_window", out var window) && window.TryGetInt64(out var w) ? w : null,
                Model = hasInfo ? Str(info, "model") : null,
                RateLimitsIsObject = payload.TryGetProperty("rate_limits", out var carried) && carried.ValueKind == JsonValueKind.Object,
                Root = root,
            },
            replayed || DeferRateLimits ? null : ReadRateLimits(root, payload));
    }

    /// <summary>Counts a <c>token_count</c> line, whichever way it was read; <paramref name="limits"/> are its usage limits when read now.</summary>
    private RolloutLine ReadTokenCount(in TokenCountLine line, RateLimitSnapshot? limits)
    {
        var replayed = _s.SawParentMeta && !_s.InOwnSession;
        var later = !replayed && DeferRateLimits && line.RateLimitsIsObject;
        if (!line.InfoIsObject)
        {
            return new RolloutLine(RolloutLineKind.Skipped, RateLimits: limits, RateLimitsLater: later); // a rate-limit-only snapshot
        }

        if (line.ContextWindow is { } w)
        {
            _s = _s with { ContextWindow = w };
        }

        if (replayed)
        {
            // Replayed from the parent: keep its total as the baseline, count nothing.
            _s = _s with { LastTotal = line.Total ?? _s.LastTotal };
            return RolloutLine.Skipped;
        }

        var total = line.Total;
        var last = line.Last;
        TokenUsage? counted;
        if (total is { } t)
        {
            if (_s.LastTotal is { } previous)
            {
                if (t == previous)
                {
                    return new RolloutLine(RolloutLineKind.Skipped, RateLimits: limits, RateLimitsLater: later); // re-emitted snapshot
                }

                counted = Decreased(t, previous) ? last ?? t : Minus(t, previous); // a counter that went back restarted
            }
            else if (_s.Forked && !_s.SawTotal)
            {
                counted = last; // a fork's first total includes the parent's history; its own call is the last usage
            }
            else
            {
                counted = t;
            }

            _s = _s with { LastTotal = t, SawTotal = true };
        }
        else
        {
            counted = last;
        }

        if (counted is not { } usage || usage.TotalTokens <= 0)
        {
            return new RolloutLine(RolloutLineKind.Skipped, RateLimits: limits, RateLimitsLater: later);
        }

        var time = line.Time() ?? throw new FormatException("no timestamp");
        _s = _s with { LastActivity = Later(_s.LastActivity, time), LastInputTokens = (last ?? usage).InputTokens };
        return new RolloutLine(
            RolloutLineKind.Call,
            new CodexCall(time, ThreadId ?? _fileThreadId, Model ?? line.Model, Model is null, Effort, usage, ContextWindow, Cwd),
            RateLimits: limits, RateLimitsLater: later);
    }

    /// <summary>A line without the carriage return of a CRLF ending.</summary>
    private static ReadOnlySpan<byte> WithoutCr(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    /// <summary>
    /// Whether the line can be one JSON object: it starts with <c>{</c> and ends with <c>}</c>
    /// (blanks aside). A line cut short, the usual malformed line, fails here instead of in the
    /// parser, whose exception costs 30 µs each and 50 ms the first time in a process.
    /// </summary>
    private static bool LooksLikeObject(ReadOnlySpan<byte> line)
    {
        int start = 0, end = line.Length - 1;
        while (start <= end && line[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        while (end > start && line[end] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return end > start && line[start] == '{' && line[end] == '}';
    }

    /// <summary>What reading a line that is not the JSON its markers promised throws: the line is malformed, not the file.</summary>
    private static bool IsMalformed(Exception e) => e is JsonException or InvalidOperationException or FormatException or ArgumentException;

    /// <summary>The usage limits of a line <see cref="Read"/> marked with <see cref="RolloutLine.RateLimitsLater"/>; null when they hold none.</summary>
    public static RateLimitSnapshot? ReadRateLimitsOf(ReadOnlySpan<byte> line)
    {
        if (!LooksLikeObject(WithoutCr(line)))
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(WithoutCr(line));
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object
                ? ReadRateLimits(root, payload)
                : null;
        }
        catch (Exception e) when (IsMalformed(e))
        {
            return null;
        }
    }

    /// <summary>
    /// The usage limits a <c>token_count</c> carries: <c>rate_limits{primary, secondary, plan_type}</c>
    /// (windows with <c>used_percent</c>, <c>window_minutes</c>, <c>resets_at</c> or
    /// <c>resets_in_seconds</c>), or the older flat <c>primary_used_percent</c>,
    /// <c>primary_window_minutes</c>, <c>primary_reset_after_seconds</c>. Relative resets count
    /// from the line's own timestamp.
    /// </summary>
    private static RateLimitSnapshot? ReadRateLimits(JsonElement root, JsonElement payload)
    {
        if (!payload.TryGetProperty("rate_limits", out var limits) || limits.ValueKind != JsonValueKind.Object || ReadTime(root) is not { } time)
        {
            return null;
        }

        if (limits.TryGetProperty("primary_used_percent", out _) || limits.TryGetProperty("primary_window_minutes", out _))
        {
            var windows = new List<RateLimitWindow>();
            foreach (var slot in (ReadOnlySpan<string>)["primary", "secondary"])
            {
                var used = Double(limits, slot + "_used_percent");
                var minutes = Long(limits, slot + "_window_minutes");
                if (used is null && minutes is null)
                {
                    continue;
                }

                var after = Double(limits, slot + "_reset_after_seconds") ?? Double(limits, slot + "_resets_in_seconds");
                windows.Add(new RateLimitWindow("codex", slot, used, (int?)minutes, after is { } s ? time.AddSeconds(s) : null));
            }

            return windows.Count == 0 ? null : new RateLimitSnapshot { Time = time, PlanType = Str(limits, "plan_type"), Windows = windows };
        }

        return RateLimitEvent.Read(payload, time);
    }

    private static double? Double(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static bool Decreased(TokenUsage now, TokenUsage before) =>
        now.InputTokens < before.InputTokens || now.OutputTokens < before.OutputTokens || now.CachedInputTokens < before.CachedInputTokens;

    private static TokenUsage Minus(TokenUsage a, TokenUsage b) => new(
        a.InputTokens - b.InputTokens,
        Math.Max(0, a.CachedInputTokens - b.CachedInputTokens),
        Math.Max(0, a.CacheWriteTokens - b.CacheWriteTokens),
        a.OutputTokens - b.OutputTokens,
        Math.Max(0, a.ReasoningTokens - b.ReasoningTokens));

    /// <summary>A Codex usage object (OpenAI semantics already: input includes cached and cache writes, output includes reasoning).</summary>
    private static TokenUsage? ReadUsage(JsonElement info, string name) =>
        info.TryGetProperty(name, out var u) && u.ValueKind == JsonValueKind.Object
            ? UsageOf(
                Long(u, "input_tokens"),
                Long(u, "cached_input_tokens"),
                Long(u, "cache_read_input_tokens"),
                Long(u, "cache_write_input_tokens"),
                Long(u, "output_tokens"),
                Long(u, "reasoning_output_tokens"))
            : null;

    /// <summary>A usage object's whole-number fields as tokens: none without input and output tokens; <c>cache_read_input_tokens</c> is older writers' name for the cached ones.</summary>
    internal static TokenUsage? UsageOf(long? input, long? cached, long? cacheRead, long? cacheWrite, long? output, long? reasoning) =>
        input is null && output is null ? null : new TokenUsage(input ?? 0, cached ?? cacheRead ?? 0, cacheWrite ?? 0, output ?? 0, reasoning ?? 0);

    /// <summary>ISO 8601 text, or a number of seconds or milliseconds since the epoch.</summary>
    internal static DateTimeOffset? ReadTime(JsonElement root)
    {
        if (!root.TryGetProperty("timestamp", out var ts))
        {
            return null;
        }

        // Codex writes UTC with a Z: read it straight from the UTF-8 (no string, no culture rules).
        if (ts.ValueKind == JsonValueKind.String && JsonMarshal.GetRawUtf8Value(ts).EndsWith("Z\""u8) && ts.TryGetDateTimeOffset(out var utc))
        {
            return utc;
        }

        return ts.ValueKind switch
        {
            JsonValueKind.String when DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) => t,
            JsonValueKind.Number when ts.TryGetInt64(out var n) => n > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(n) : DateTimeOffset.FromUnixTimeSeconds(n),
            JsonValueKind.Number when ts.TryGetDouble(out var d) => DateTimeOffset.FromUnixTimeMilliseconds((long)(d > 100_000_000_000 ? d : d * 1000)),
            _ => null,
        };
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static long? Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
}
