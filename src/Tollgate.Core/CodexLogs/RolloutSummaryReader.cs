using System.Text.Json.Serialization;

namespace Tollgate.Core.CodexLogs;

/// <summary>A Codex session as <c>tollgate sessions</c> lists it, read from its rollout file alone.</summary>
/// <param name="TotalTokens">Input plus output tokens of the session's own calls (a fork's or sub-agent's parent history excluded), as <c>tollgate usage session</c> counts them.</param>
/// <param name="LastInputTokens">Input tokens of the latest call: how full the context window is.</param>
public sealed record RolloutSummary(
    string Id,
    string Home,
    string File,
    string? Cwd,
    string? Originator,
    string? CliVersion,
    string? Model,
    string? Effort,
    string? ForkedFrom,
    string? FirstPrompt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LastActivity,
    long TotalTokens,
    long? ContextWindow,
    long? LastInputTokens)
{
    /// <summary>How full the context window was at the last call (0–1), when both are known.</summary>
    [JsonIgnore]
    public double? ContextUse => Use(ContextWindow, LastInputTokens);

    /// <summary>The share of a context window the latest call's input filled, when both are known.</summary>
    public static double? Use(long? contextWindow, long? lastInputTokens) =>
        contextWindow is > 0 && lastInputTokens is { } used ? (double)used / contextWindow.Value : null;
}

/// <summary>
/// Reads what a session list needs from a rollout file without reading all of it: the head, up
/// to the session's own <c>session_meta</c> and first prompt (and, for a fork, its first total,
/// which holds the parent's share), then the last <see cref="TailBytes"/> — more, until it holds
/// a cumulative total: the latest total and activity are there. The latest <c>turn_context</c>
/// (model, effort, directory) is the tail's, else the last one in the part skipped, found by a
/// backward byte search that parses nothing else. Both parts go through one
/// <see cref="RolloutCounter"/>, so the tail's first total is taken against the head's last
/// one: the tokens equal a full read's unless Codex's counter went back somewhere in the part
/// skipped. In a small file the tail reaches the head, so every line is read; a file whose
/// first <see cref="HeadBytes"/> could not settle the parent's share is read whole.
/// </summary>
public static class RolloutSummaryReader
{
    /// <summary>How much of a file's start is read at most before the tail is taken.</summary>
    public const int HeadBytes = 256 * 1024;

    /// <summary>How much of a file's end is read first; grown when it holds no cumulative total.</summary>
    public const int TailBytes = 16 * 1024;

    /// <exception cref="FileNotFoundException">The file went away.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static RolloutSummary Read(string home, string path)
    {
        using var stream = RolloutReader.Open(path);
        var size = stream.Length;
        var threadId = RolloutReader.ThreadIdFromName(path);
        var counter = new RolloutCounter(threadId) { DeferRateLimits = true };
        long tokens = 0;
        var (headEnd, _) = RolloutReader.ReadLines(stream, 0, HeadBytes, (line, _) =>
        {
            tokens += Counted(counter, line);
            var s = counter.State;
            return !(s.InOwnSession && s.FirstPrompt is not null && (s.SawTotal || !s.Forked));
        });

        var head = counter.State;
        if (headEnd < size && !(head.InOwnSession && (head.SawTotal || !head.Forked)))
        {
            // A sub-agent's replay or a fork's first turn runs past the head: only a whole read knows the parent's share.
            return ReadWhole(home, path, stream, threadId);
        }

        if (headEnd == size)
        {
            return Summary(home, path, threadId, head, tokens);
        }

        // The tail: grown until it holds a cumulative total, or reaches the head.
        var tail = TailBytes;
        byte[] bytes;
        int skip; // where the first complete line of the tail begins in bytes
        long start;
        while (true)
        {
            start = Math.Max(headEnd, size - tail);
            if (size - start > MaxTailBytes)
            {
                return ReadWhole(home, path, stream, threadId); // no total near the end: a session without calls, read once
            }

            // One byte before the tail says whether it begins a line or inside one.
            var from = start > headEnd ? start - 1 : start;
            bytes = new byte[size - from];
            stream.Position = from;
            stream.ReadExactly(bytes);
            skip = start > headEnd ? bytes.AsSpan().IndexOf((byte)'\n') + 1 : 0;
            var complete = skip == 0 && start > headEnd ? [] : bytes.AsSpan(skip, bytes.AsSpan(skip).LastIndexOf((byte)'\n') + 1);
            if (start == headEnd || complete.IndexOf("\"total_token_usage\""u8) >= 0)
            {
                break;
            }

            tail *= 4;
        }

        var tailCounter = new RolloutCounter(threadId, head) { DeferRateLimits = true };
        var body = bytes.AsSpan(skip);
        if (start > headEnd && body.IndexOf(TurnContext) < 0 && LastLineContaining(stream, headEnd, size - bytes.Length + skip, TurnContext) is { } context)
        {
            tailCounter.Read(context); // the latest model, effort and directory, from the part skipped
        }

        using var rest = new MemoryStream(bytes, skip, bytes.Length - skip, writable: false);
        RolloutReader.ReadLines(rest, 0, long.MaxValue, (line, _) =>
        {
            tokens += Counted(tailCounter, line);
            return true;
        });
        return Summary(home, path, threadId, tailCounter.State, tokens);
    }

    /// <summary>The marker of a <c>turn_context</c> line; inside a JSON string its quotes would be escaped, so it matches only the line's own type.</summary>
    private static ReadOnlySpan<byte> TurnContext => "\"type\":\"turn_context\""u8;

    /// <summary>The largest tail read into memory before a file is read whole instead.</summary>
    private const int MaxTailBytes = 4 * 1024 * 1024;

    /// <summary>The last complete line in [from, to) that contains <paramref name="marker"/>, searched backwards in chunks without parsing anything.</summary>
    private static byte[]? LastLineContaining(Stream stream, long from, long to, ReadOnlySpan<byte> marker)
    {
        const int Chunk = 64 * 1024;
        var buffer = new byte[Chunk + marker.Length];
        var end = to;
        while (end > from)
        {
            var begin = Math.Max(from, end - Chunk);
            var length = (int)(Math.Min(to, end + marker.Length - 1) - begin); // overlap the next chunk by a marker's length
            stream.Position = begin;
            stream.ReadExactly(buffer, 0, length);
            var at = buffer.AsSpan(0, length).LastIndexOf(marker);
            if (at >= 0)
            {
                var lineStart = LineStart(stream, from, begin + at);
                byte[]? line = null;
                RolloutReader.ReadLines(stream, lineStart, to, (found, _) =>
                {
                    line = found.ToArray();
                    return false;
                });
                return line;
            }

            end = begin;
        }

        return null;
    }

    /// <summary>Where the line holding <paramref name="position"/> begins (not before <paramref name="from"/>).</summary>
    private static long LineStart(Stream stream, long from, long position)
    {
        Span<byte> buffer = stackalloc byte[4096];
        var end = position;
        while (end > from)
        {
            var begin = Math.Max(from, end - buffer.Length);
            var chunk = buffer[..(int)(end - begin)];
            stream.Position = begin;
            stream.ReadExactly(chunk);
            var newline = chunk.LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return begin + newline + 1;
            }

            end = begin;
        }

        return from;
    }

    private static RolloutSummary ReadWhole(string home, string path, Stream stream, string? threadId)
    {
        var counter = new RolloutCounter(threadId) { DeferRateLimits = true };
        long tokens = 0;
        RolloutReader.ReadLines(stream, 0, long.MaxValue, (line, _) =>
        {
            tokens += Counted(counter, line);
            return true;
        });
        return Summary(home, path, threadId, counter.State, tokens);
    }

    private static long Counted(RolloutCounter counter, ReadOnlySpan<byte> line) => counter.Read(line).Call?.Usage.TotalTokens ?? 0;

    private static RolloutSummary Summary(string home, string path, string? threadId, RolloutState s, long tokens) => new(
        s.ThreadId ?? threadId ?? path,
        home,
        path,
        s.Cwd,
        s.Originator,
        s.CliVersion,
        s.Model,
        s.Effort,
        s.ForkedFrom,
        s.FirstPrompt,
        s.StartedAt,
        s.LastActivity,
        tokens,
        s.ContextWindow,
        s.LastInputTokens);
}
