using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Storage;

/// <summary>
/// Writes the two JSON texts the store keeps for every rollout file — its cursor's
/// <see cref="RolloutState"/> and its latest <see cref="RateLimitSnapshot"/> — exactly as
/// <see cref="StoreJson"/> would (snake_case names, nulls left out, the same escaping; a test
/// compares the two byte for byte), and <see cref="StoreJson"/> reads them back. A first ingest
/// writes thousands of each on the one writer thread, where the serializer's converters over
/// value types are compiled when first used and run unoptimised in so short a process: a
/// snapshot cost 35 µs more that way and a state 5 µs, 80 ms of the writer's 1.1 s of CPU
/// (bench/README.md). The generator's serialization-only mode, which writes much the same code,
/// still sets up metadata over those value types: 2,024 snapshots took it 97–159 ms in a fresh
/// process against 50–94 here. Each thread writes into a buffer of its own.
/// </summary>
internal static class StoreJsonWriter
{
    [ThreadStatic]
    private static (MemoryStream Buffer, Utf8JsonWriter Writer)? _local;

    public static string Write(RolloutState state) => Write(state, WriteState);

    public static string Write(RateLimitSnapshot snapshot) => Write(snapshot, WriteSnapshot);

    private static string Write<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        var (buffer, writer) = _local ??= (new MemoryStream(512), new Utf8JsonWriter(Stream.Null));
        buffer.SetLength(0);
        writer.Reset(buffer);
        write(writer, value);
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteState(Utf8JsonWriter w, RolloutState s)
    {
        w.WriteStartObject();
        if (s.LastTotal is { } total)
        {
            w.WritePropertyName("last_total"u8);
            WriteUsage(w, total);
        }

        w.WriteBoolean("in_own_session"u8, s.InOwnSession);
        w.WriteBoolean("saw_parent_meta"u8, s.SawParentMeta);
        w.WriteBoolean("forked"u8, s.Forked);
        w.WriteBoolean("saw_total"u8, s.SawTotal);
        Text(w, "thread_id"u8, s.ThreadId);
        Text(w, "model"u8, s.Model);
        Text(w, "effort"u8, s.Effort);
        Text(w, "cwd"u8, s.Cwd);
        Text(w, "originator"u8, s.Originator);
        Text(w, "cli_version"u8, s.CliVersion);
        Number(w, "context_window"u8, s.ContextWindow);
        Text(w, "forked_from"u8, s.ForkedFrom);
        Text(w, "first_prompt"u8, s.FirstPrompt);
        Time(w, "started_at"u8, s.StartedAt);
        Time(w, "last_activity"u8, s.LastActivity);
        Number(w, "last_input_tokens"u8, s.LastInputTokens);
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, TokenUsage u)
    {
        w.WriteStartObject();
        w.WriteNumber("input_tokens"u8, u.InputTokens);
        w.WriteNumber("cached_input_tokens"u8, u.CachedInputTokens);
        w.WriteNumber("cache_write_tokens"u8, u.CacheWriteTokens);
        w.WriteNumber("output_tokens"u8, u.OutputTokens);
        w.WriteNumber("reasoning_tokens"u8, u.ReasoningTokens);
        w.WriteNumber("cache_write1h_tokens"u8, u.CacheWrite1hTokens);
        w.WriteNumber("total_tokens"u8, u.TotalTokens);
        w.WriteNumber("uncached_input_tokens"u8, u.UncachedInputTokens);
        w.WriteEndObject();
    }

    private static void WriteSnapshot(Utf8JsonWriter w, RateLimitSnapshot s)
    {
        w.WriteStartObject();
        w.WriteString("time"u8, s.Time);
        Text(w, "plan_type"u8, s.PlanType);
        w.WriteStartArray("windows"u8);
        foreach (var window in s.Windows)
        {
            w.WriteStartObject();
            w.WriteString("family"u8, window.Family);
            w.WriteString("slot"u8, window.Slot);
            if (window.UsedPercent is { } used)
            {
                w.WriteNumber("used_percent"u8, used);
            }

            Number(w, "window_minutes"u8, window.WindowMinutes);
            Time(w, "resets_at"u8, window.ResetsAt);
            Text(w, "limit_name"u8, window.LimitName);
            w.WriteNumber("kind"u8, (int)window.Kind);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (s.Credits is { } credits)
        {
            w.WriteStartObject("credits"u8);
            Flag(w, "has_credits"u8, credits.HasCredits);
            Flag(w, "unlimited"u8, credits.Unlimited);
            if (credits.Balance is { } balance)
            {
                w.WriteNumber("balance"u8, balance);
            }

            w.WriteEndObject();
        }

        Text(w, "account"u8, s.Account);
        if (s.Api is { } api)
        {
            w.WriteStartObject("api"u8);
            Number(w, "limit_requests"u8, api.LimitRequests);
            Number(w, "remaining_requests"u8, api.RemainingRequests);
            Span(w, "reset_requests"u8, api.ResetRequests);
            Number(w, "limit_tokens"u8, api.LimitTokens);
            Number(w, "remaining_tokens"u8, api.RemainingTokens);
            Span(w, "reset_tokens"u8, api.ResetTokens);
            Span(w, "retry_after"u8, api.RetryAfter);
            w.WriteEndObject();
        }

        w.WriteBoolean("is_empty"u8, s.IsEmpty);
        w.WriteEndObject();
    }

    private static void Text(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void Number(Utf8JsonWriter w, ReadOnlySpan<byte> name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void Flag(Utf8JsonWriter w, ReadOnlySpan<byte> name, bool? value)
    {
        if (value is { } v)
        {
            w.WriteBoolean(name, v);
        }
    }

    private static void Time(Utf8JsonWriter w, ReadOnlySpan<byte> name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, v);
        }
    }

    /// <summary>A time span as the serializer writes one: the constant ("c") format.</summary>
    private static void Span(Utf8JsonWriter w, ReadOnlySpan<byte> name, TimeSpan? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, v.ToString("c", CultureInfo.InvariantCulture));
        }
    }
}
