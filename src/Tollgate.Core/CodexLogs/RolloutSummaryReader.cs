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
/// a cumulative total and a <c>turn_context</c> (Codex writes one per turn): the latest total,
/// model, effort, directory and activity are there. Both parts go through one
/// <see cref="RolloutCounter"/>, so the tail's first total is taken against the head's last
/// one: the tokens equal a full read's unless Codex's counter went back somewhere in the part
/// skipped. Small files, and files whose head could not settle the parent's share, are read
/// whole.
/// </summary>
public static class RolloutSummaryReader
{
    /// <summary>How much of a file's start is read at most before the tail is taken.</summary>
    public const int HeadBytes = 256 * 1024;

    /// <summary>How much of a file's end is read first; grown when it holds no total.</summary>
    public const int TailBytes = 64 * 1024;

    /// <exception cref="FileNotFoundException">The file went away.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static RolloutSummary Read(string home, string path)
    {
        using var stream = RolloutReader.Open(path);
        var size = stream.Length;
        var threadId = RolloutReader.ThreadIdFromName(path);
        var counter = new RolloutCounter(threadId);
        long tokens = 0;
        var (headEnd, _) = RolloutReader.ReadLines(stream, 0, size <= HeadBytes + TailBytes ? long.MaxValue : HeadBytes, line =>
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

        for (var tail = (long)TailBytes; headEnd < size; tail *= 4)
        {
            var start = Math.Max(headEnd, size - tail);
            var tailCounter = new RolloutCounter(threadId, head);
            long tailTokens = 0;
            bool sawTotal = false, sawContext = false;
            var skipPartial = start > headEnd;
            RolloutReader.ReadLines(stream, start, long.MaxValue, line =>
            {
                if (skipPartial)
                {
                    skipPartial = false; // the tail begins inside a line
                    return true;
                }

                var before = tailCounter.State.LastTotal;
                tailTokens += Counted(tailCounter, line);
                sawTotal |= !Equals(before, tailCounter.State.LastTotal);
                sawContext |= line[..Math.Min(line.Length, 200)].IndexOf("\"type\":\"turn_context\""u8) >= 0;
                return true;
            });

            if ((sawTotal && sawContext) || start == headEnd)
            {
                return Summary(home, path, threadId, tailCounter.State, tokens + tailTokens);
            }
        }

        return Summary(home, path, threadId, head, tokens);
    }

    private static RolloutSummary ReadWhole(string home, string path, Stream stream, string? threadId)
    {
        var counter = new RolloutCounter(threadId);
        long tokens = 0;
        RolloutReader.ReadLines(stream, 0, long.MaxValue, line =>
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
