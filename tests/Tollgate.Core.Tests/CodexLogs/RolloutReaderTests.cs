using System.Text;
using Tollgate.Core.CodexLogs;
using static Tollgate.Core.Tests.CodexLogs.RolloutLines;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>Incremental reads of real rollout files: appends, partial lines, truncation, rewrites, huge lines.</summary>
public sealed class RolloutReaderTests : IDisposable
{
    private const string Thread = "01a20846-ae81-7313-836e-f02013860803";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-rollout-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string File1 => Path.Combine(_dir.FullName, $"rollout-2026-11-23T09-00-00-{Thread}.jsonl");

    private void Write(params string[] lines) => File.WriteAllText(File1, string.Concat(lines.Select(l => l + "\n")));

    private void Append(string text) => File.AppendAllText(File1, text);

    [Fact]
    public void ThreadId_ComesFromTheFileName() => Assert.Equal(Thread, RolloutReader.ThreadIdFromName(File1));

    [Fact]
    public void Append_OnlyNewBytesAreRead_AndTheModelCarriesOver()
    {
        Write(Meta(Thread), Turn("gpt-5.1-codex", "high"), TokenCount(3, UsageJson(100, 0, 10, 0), UsageJson(100, 0, 10, 0)));
        var first = RolloutReader.Read(File1, null);
        Assert.Single(first.Calls);

        Append(TokenCount(9, UsageJson(350, 100, 30, 5), UsageJson(250, 100, 20, 5)) + "\n");
        var second = RolloutReader.Read(File1, first.Cursor);
        var call = Assert.Single(second.Calls);
        Assert.Equal(("gpt-5.1-codex", 250L, 20L), (call.Model, call.Usage.InputTokens, call.Usage.OutputTokens));
        Assert.False(second.Restarted);

        var third = RolloutReader.Read(File1, second.Cursor);
        Assert.True(third.Unchanged);
        Assert.Empty(third.Calls);
    }

    [Fact]
    public void APartialLastLine_IsReadOnceItIsComplete()
    {
        Write(Meta(Thread), Turn("gpt-5", null));
        var line = TokenCount(3, UsageJson(100, 0, 10, 0), UsageJson(100, 0, 10, 0));
        Append(line[..40]);
        var first = RolloutReader.Read(File1, null);
        Assert.Empty(first.Calls);
        Assert.Equal(0, first.MalformedLines);

        Append(line[40..] + "\n");
        Assert.Single(RolloutReader.Read(File1, first.Cursor).Calls);
    }

    [Fact]
    public void ATruncatedOrRewrittenFile_IsReadAgainFromTheStart()
    {
        Write(Meta(Thread), Turn("gpt-5", null), TokenCount(3, UsageJson(100, 0, 10, 0), null), TokenCount(4, UsageJson(200, 0, 20, 0), null));
        var first = RolloutReader.Read(File1, null);
        Assert.Equal(2, first.Calls.Count);

        Write(Meta(Thread), Turn("gpt-5", null), TokenCount(3, UsageJson(100, 0, 10, 0), null)); // shorter: truncated
        var truncated = RolloutReader.Read(File1, first.Cursor);
        Assert.True(truncated.Restarted);
        Assert.Single(truncated.Calls);

        Write(Meta(Thread, second: 7), Turn("gpt-5", null), TokenCount(3, UsageJson(100, 0, 10, 0), null), TokenCount(5, UsageJson(900, 0, 90, 0), null), TokenCount(6, UsageJson(901, 0, 91, 0), null));
        var rewritten = RolloutReader.Read(File1, truncated.Cursor);
        Assert.True(rewritten.Restarted);
        Assert.Equal(3, rewritten.Calls.Count);
    }

    [Fact]
    public void AFiftyMegabyteLine_IsSkippedAndCounted_TheCallsAroundItAreNot()
    {
        using (var w = new StreamWriter(File1, append: false, Encoding.UTF8))
        {
            w.Write(Meta(Thread) + "\n" + Turn("gpt-5", null) + "\n" + TokenCount(3, UsageJson(100, 0, 10, 0), null) + "\n");
            w.Write("{\"timestamp\":\"2026-11-23T09:00:04Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"content\":\"");
            var chunk = new string('x', 1024 * 1024);
            for (var i = 0; i < 50; i++)
            {
                w.Write(chunk);
            }

            w.Write("\"}}\n" + TokenCount(5, UsageJson(300, 0, 30, 0), null) + "\n");
        }

        var read = RolloutReader.Read(File1, null);
        Assert.Equal(2, read.Calls.Count);
        Assert.Equal(RolloutLines.T0.AddSeconds(5), read.RateLimits?.Time); // read again from where the line starts, after the skipped one
        Assert.Equal(1, read.OversizedLines);
        Assert.Equal(new FileInfo(File1).Length, read.Cursor.Offset);
    }

    [Fact]
    public void UsageLimits_AreTheLatestLinesThatHoldAny_OnlyFromNewLines()
    {
        Write(
            Meta(Thread),
            Turn("gpt-5.1-codex", "high"),
            TokenCount(3, UsageJson(100, 0, 10, 0), null, rateLimits: Limits(10)),
            TokenCount(5, UsageJson(200, 0, 20, 0), null, rateLimits: Limits(20)) + "\r", // a CRLF line
            TokenCount(6, null, null, infoNull: true, rateLimits: "{}"), // limits that hold nothing: the earlier ones stay
            TokenCount(7, UsageJson(300, 0, 30, 0), null, rateLimits: Limits(30)).Replace("\"timestamp\"", "\"time\"", StringComparison.Ordinal), // a call without a time: malformed
            TokenCount(8, UsageJson(400, 0, 40, 0), null, rateLimits: """{"primary":{"used_percent":50,"window_minutes":300,"resets_in_seconds":1e18}}""")); // limits that cannot be read
        var first = RolloutReader.Read(File1, null);
        Assert.Equal((RolloutLines.T0.AddSeconds(5), 20.0), (first.RateLimits!.Time, first.RateLimits.Windows.Single().UsedPercent)); // the two after it hold none
        Assert.Equal(1, first.MalformedLines);
        Assert.Equal([100L, 100, 100], first.Calls.Select(c => c.Usage.InputTokens)); // unreadable limits do not cost the call its tokens

        Append(Message(8, "no limits here") + "\n");
        var second = RolloutReader.Read(File1, first.Cursor);
        Assert.Null(second.RateLimits); // nothing new: the store keeps the file's earlier snapshot

        Append(TokenCount(9, UsageJson(500, 0, 50, 0), null, rateLimits: Limits(40)) + "\n");
        var third = RolloutReader.Read(File1, second.Cursor);
        Assert.Equal(40.0, third.RateLimits!.Windows.Single().UsedPercent);
    }

    [Fact]
    public void EmptyFile_NothingAndNoError()
    {
        File.WriteAllText(File1, "");
        var read = RolloutReader.Read(File1, null);
        Assert.Empty(read.Calls);
        Assert.Equal(0, read.Cursor.Offset);
    }

    [Fact]
    public void ADeletedFile_IsAClearException() =>
        Assert.Throws<FileNotFoundException>(() => RolloutReader.Read(Path.Combine(_dir.FullName, "gone.jsonl"), null));
}
