using System.Globalization;
using System.Text.Json;
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
}

/// <summary>What one rollout line was, for the ingestion report.</summary>
public enum RolloutLineKind
{
    Skipped,
    Malformed,
    Call,
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

    public string? ThreadId => _s.ThreadId;
    public string? Model => _s.Model;
    public string? Effort => _s.Effort;
    public string? Cwd => _s.Cwd;
    public string? Originator => _s.Originator;
    public string? CliVersion => _s.CliVersion;
    public long? ContextWindow => _s.ContextWindow;

    /// <summary>True when the line may matter: cheap byte markers, checked before any JSON parsing.</summary>
    public static bool MayMatter(ReadOnlySpan<byte> line) =>
        line.IndexOf("token_count"u8) >= 0 || line.IndexOf("turn_context"u8) >= 0 || line.IndexOf("session_meta"u8) >= 0;

    /// <summary>Reads one line; returns the call it records, if any.</summary>
    public (RolloutLineKind Kind, CodexCall? Call) Read(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty || !MayMatter(line))
        {
            return (line.IsEmpty || line[0] == '{' ? RolloutLineKind.Skipped : RolloutLineKind.Malformed, null);
        }

        try
        {
            var reader = new Utf8JsonReader(line);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || !root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
            {
                return (RolloutLineKind.Malformed, null);
            }

            switch (type.GetString())
            {
                case "session_meta":
                    ReadSessionMeta(payload);
                    return (RolloutLineKind.Skipped, null);
                case "turn_context":
                    _s = _s with
                    {
                        Model = Str(payload, "model") ?? _s.Model,
                        Effort = Str(payload, "effort") ?? (payload.TryGetProperty("model", out _) ? null : _s.Effort), // absent = the model's default effort
                        Cwd = Str(payload, "cwd") ?? _s.Cwd,
                    };
                    return (RolloutLineKind.Skipped, null);
                case "event_msg" when Str(payload, "type") == "token_count":
                    return ReadTokenCount(root, payload);
                default:
                    return (RolloutLineKind.Skipped, null);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            return (RolloutLineKind.Malformed, null);
        }
    }

    private void ReadSessionMeta(JsonElement payload)
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
            Cwd = Str(payload, "cwd") ?? _s.Cwd,
            Originator = Str(payload, "originator") ?? _s.Originator,
            CliVersion = Str(payload, "cli_version") ?? _s.CliVersion,
        };
    }

    private (RolloutLineKind, CodexCall?) ReadTokenCount(JsonElement root, JsonElement payload)
    {
        if (!payload.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object)
        {
            return (RolloutLineKind.Skipped, null); // a rate-limit-only snapshot
        }

        if (info.TryGetProperty("model_context_window", out var window) && window.TryGetInt64(out var w))
        {
            _s = _s with { ContextWindow = w };
        }

        if (_s.SawParentMeta && !_s.InOwnSession)
        {
            // Replayed from the parent: keep its total as the baseline, count nothing.
            _s = _s with { LastTotal = ReadUsage(info, "total_token_usage") ?? _s.LastTotal };
            return (RolloutLineKind.Skipped, null);
        }

        var total = ReadUsage(info, "total_token_usage");
        var last = ReadUsage(info, "last_token_usage");
        TokenUsage? counted;
        if (total is { } t)
        {
            if (_s.LastTotal is { } previous)
            {
                if (t == previous)
                {
                    return (RolloutLineKind.Skipped, null); // re-emitted snapshot
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
            return (RolloutLineKind.Skipped, null);
        }

        var time = ReadTime(root) ?? throw new FormatException("no timestamp");
        return (RolloutLineKind.Call, new CodexCall(time, ThreadId ?? _fileThreadId, Model ?? Str(info, "model"), Model is null, Effort, usage, ContextWindow, Cwd));
    }

    private static bool Decreased(TokenUsage now, TokenUsage before) =>
        now.InputTokens < before.InputTokens || now.OutputTokens < before.OutputTokens || now.CachedInputTokens < before.CachedInputTokens;

    private static TokenUsage Minus(TokenUsage a, TokenUsage b) => new(
        a.InputTokens - b.InputTokens,
        Math.Max(0, a.CachedInputTokens - b.CachedInputTokens),
        Math.Max(0, a.CacheWriteTokens - b.CacheWriteTokens),
        a.OutputTokens - b.OutputTokens,
        Math.Max(0, a.ReasoningTokens - b.ReasoningTokens));

    /// <summary>A Codex usage object (OpenAI semantics already: input includes cached and cache writes, output includes reasoning).</summary>
    private static TokenUsage? ReadUsage(JsonElement info, string name)
    {
        if (!info.TryGetProperty(name, out var u) || u.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var input = Long(u, "input_tokens");
        var output = Long(u, "output_tokens");
        if (input is null && output is null)
        {
            return null;
        }

        return new TokenUsage(
            input ?? 0,
            Long(u, "cached_input_tokens") ?? Long(u, "cache_read_input_tokens") ?? 0,
            Long(u, "cache_write_input_tokens") ?? 0,
            output ?? 0,
            Long(u, "reasoning_output_tokens") ?? 0);
    }

    /// <summary>ISO 8601 text, or a number of seconds or milliseconds since the epoch.</summary>
    internal static DateTimeOffset? ReadTime(JsonElement root)
    {
        if (!root.TryGetProperty("timestamp", out var ts))
        {
            return null;
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
