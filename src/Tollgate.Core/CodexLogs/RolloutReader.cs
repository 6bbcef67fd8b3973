using System.Buffers;
using System.Security.Cryptography;
using Tollgate.Core.RateLimits;

namespace Tollgate.Core.CodexLogs;

/// <summary>Where reading a rollout file stopped: the byte after the last complete line, and how to recognise the file again.</summary>
/// <param name="Identity">A hash of the file's first line: a file rewritten under the same name has another.</param>
public sealed record RolloutCursor(long Offset, long Size, DateTimeOffset ModifiedAt, string Identity, RolloutState? State);

/// <summary>What one incremental read of a file produced.</summary>
/// <param name="Messages">When the user sent a message, in file order.</param>
/// <param name="RateLimits">The latest usage-limit snapshot read, if any (older ones are superseded).</param>
/// <param name="Restarted">The file was truncated or rewritten since the cursor: it was read from the start, and what was counted from it before must be replaced.</param>
public sealed record RolloutRead(
    IReadOnlyList<CodexCall> Calls,
    IReadOnlyList<DateTimeOffset> Messages,
    RateLimitSnapshot? RateLimits,
    RolloutCursor Cursor,
    int MalformedLines,
    int OversizedLines,
    bool Restarted,
    bool Unchanged);

/// <summary>
/// Reads only what was appended to a rollout file since its cursor, line by line through a
/// pooled buffer (never the whole file), and hands each complete line to a
/// <see cref="RolloutCounter"/>. A partial last line (Codex still writing) is left for the next
/// read. Lines over <see cref="MaxLineBytes"/> are skipped and counted; none that carries a
/// usage snapshot comes near it.
/// </summary>
public static class RolloutReader
{
    public const int MaxLineBytes = 16 * 1024 * 1024;
    private const int ChunkSize = 256 * 1024;

    /// <summary>The thread id at the end of a rollout file name, if it has one.</summary>
    public static string? ThreadIdFromName(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name.Length >= 36 && Guid.TryParse(name[^36..], out _) ? name[^36..] : null;
    }

    /// <exception cref="FileNotFoundException">The file went away.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static RolloutRead Read(string path, RolloutCursor? cursor)
    {
        using var stream = Open(path);
        var size = stream.Length;
        var modified = Milliseconds(File.GetLastWriteTimeUtc(path));
        var identity = Identity(stream);
        if (cursor is not null && cursor.Identity == identity && cursor.Size == size && cursor.ModifiedAt == modified)
        {
            return new RolloutRead([], [], null, cursor, 0, 0, Restarted: false, Unchanged: true);
        }

        var restarted = cursor is not null && (cursor.Identity != identity || size < cursor.Offset);
        var start = cursor is null || restarted ? 0 : cursor.Offset;
        var threadId = ThreadIdFromName(path);
        var counter = new RolloutCounter(threadId, start == 0 ? null : cursor?.State) { DeferRateLimits = true };
        var calls = new List<CodexCall>();
        var messages = new List<DateTimeOffset>();
        var limitLines = new List<(long Offset, int Length)>();
        var lastLimits = new ArrayBufferWriter<byte>();
        var malformed = 0;
        var (offset, oversized) = ReadLines(stream, start, long.MaxValue, (line, at) =>
        {
            var read = counter.Read(line);
            malformed += read.Kind == RolloutLineKind.Malformed ? 1 : 0;
            if (read.Call is not null)
            {
                calls.Add(read.Call);
            }

            if (read.MessageAt is { } sent)
            {
                messages.Add(sent);
            }

            if (read.RateLimitsLater)
            {
                limitLines.Add((at, line.Length));
                lastLimits.ResetWrittenCount();
                lastLimits.Write(line); // the latest, kept as it was read
            }

            return true;
        });

        return new RolloutRead(calls, messages, LatestRateLimits(stream, limitLines, lastLimits.WrittenSpan), new RolloutCursor(offset, size, modified, identity, counter.State), malformed, oversized, restarted, Unchanged: false);
    }

    /// <summary>
    /// The usage limits of the last of these lines that holds any: only the latest snapshot
    /// counts, so the others are never parsed. The last line is kept as it was read; should its
    /// limits hold nothing, the lines before it are read again from the file (Codex only appends;
    /// a file rewritten meanwhile is read again from its start by the next run).
    /// </summary>
    private static RateLimitSnapshot? LatestRateLimits(FileStream stream, List<(long Offset, int Length)> lines, ReadOnlySpan<byte> last)
    {
        if (lines.Count == 0)
        {
            return null;
        }

        if (RolloutCounter.ReadRateLimitsOf(last) is { } latest)
        {
            return latest;
        }

        for (var i = lines.Count - 2; i >= 0; i--)
        {
            var (offset, length) = lines[i];
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var line = buffer.AsSpan(0, length);
                var n = 0;
                while (n < length && RandomAccess.Read(stream.SafeFileHandle, line[n..], offset + n) is var got and > 0)
                {
                    n += got;
                }

                if (n == length && RolloutCounter.ReadRateLimitsOf(line) is { } limits)
                {
                    return limits;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return null;
    }

    /// <summary>Opens a rollout file for reading while Codex may still append to it (or archive it).</summary>
    public static FileStream Open(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.ReadWrite | FileShare.Delete,
        BufferSize = 0,
    });

    /// <summary>Called with each complete line (without its newline) and where it starts in the file; false stops the reading.</summary>
    public delegate bool LineHandler(ReadOnlySpan<byte> line, long offset);

    /// <summary>
    /// Hands each complete line from <paramref name="start"/> to <paramref name="onLine"/>, through a
    /// pooled buffer, until the end of the file, a line that starts at or after
    /// <paramref name="stopBefore"/>, or the handler says stop. Lines over <see cref="MaxLineBytes"/>
    /// are skipped and counted.
    /// </summary>
    /// <returns>The offset after the last line handed over (or skipped), and how many lines were too long.</returns>
    public static (long Offset, int Oversized) ReadLines(Stream stream, long start, long stopBefore, LineHandler onLine)
    {
        stream.Position = start;
        var offset = start;
        var oversized = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var filled = 0;
        var skippingOversized = false;
        try
        {
            while (offset < stopBefore)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MaxLineBytes)
                    {
                        // A line longer than any usage line: drop what we have and skip to its end.
                        skippingOversized = true;
                        offset += filled;
                        filled = 0;
                    }
                    else
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxLineBytes));
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                var n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0)
                {
                    break; // what is left has no newline yet: read it next time
                }

                filled += n;
                var consumed = 0;
                int newline;
                while (offset + consumed < stopBefore && (newline = buffer.AsSpan(consumed, filled - consumed).IndexOf((byte)'\n')) >= 0)
                {
                    var line = buffer.AsSpan(consumed, newline);
                    var lineOffset = offset + consumed;
                    consumed += newline + 1;
                    if (skippingOversized)
                    {
                        skippingOversized = false;
                        oversized++;
                    }
                    else if (!onLine(line, lineOffset))
                    {
                        return (offset + consumed, oversized);
                    }
                }

                offset += consumed;
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (skippingOversized)
        {
            offset += filled; // still inside the long line: resume after what was skipped
        }

        return (offset, oversized);
    }

    /// <summary>A file's modification time as the store keeps it: whole milliseconds, UTC.</summary>
    public static DateTimeOffset Milliseconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    /// <summary>A hash of the first line (at most 4 KiB): a rewritten file starts with another <c>session_meta</c>.</summary>
    private static string Identity(FileStream stream)
    {
        Span<byte> head = stackalloc byte[4096];
        stream.Position = 0;
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var firstLine = head[..n];
        var newline = firstLine.IndexOf((byte)'\n');
        if (newline >= 0)
        {
            firstLine = firstLine[..newline];
        }

        return Convert.ToHexString(SHA256.HashData(firstLine))[..32];
    }
}
