using Tollgate.Core.CodexLogs;
using Tollgate.Core.Usage;
using static Tollgate.Core.Tests.CodexLogs.RolloutLines;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>The counting rules of FACTS.md §6, one rule per test, on generated rollout lines.</summary>
public sealed class RolloutCounterTests
{
    private const string Thread = "01a20846-ae81-7313-836e-f02013860803";
    private const string Parent = "01a20800-0000-7000-8000-000000000001";

    private static List<CodexCall> Calls(string? fileThreadId, params string[] lines)
    {
        var counter = new RolloutCounter(fileThreadId);
        return lines.Select(l => counter.Read(Bytes(l)).Call).OfType<CodexCall>().ToList();
    }

    private static TokenUsage Sum(IEnumerable<CodexCall> calls) => calls.Aggregate(default(TokenUsage), (a, c) => a + c.Usage);

    [Fact]
    public void CumulativeTotals_BecomeDeltas_WithTheLatestTurnContextsModelAndEffort()
    {
        var calls = Calls(Thread,
            Meta(Thread),
            Turn("gpt-5.1-codex", "high", 1),
            Message(2, "hi"),
            TokenCount(3, UsageJson(1000, 800, 50, 20), UsageJson(1000, 800, 50, 20)),
            Turn("gpt-5.2", effort: null, 4),
            TokenCount(5, UsageJson(2500, 1800, 80, 30), UsageJson(1500, 1000, 30, 10)));

        Assert.Equal(2, calls.Count);
        Assert.Equal(("gpt-5.1-codex", "high", new TokenUsage(1000, 800, 0, 50, 20)), (calls[0].Model, calls[0].Effort, calls[0].Usage));
        Assert.Equal(("gpt-5.2", (string?)null, new TokenUsage(1500, 1000, 0, 30, 10)), (calls[1].Model, calls[1].Effort, calls[1].Usage)); // no effort = the model's default
        Assert.Equal(T0.AddSeconds(5), calls[1].Time);
        Assert.All(calls, c => Assert.Equal(Thread, c.ThreadId));
        Assert.Equal(258400, calls[1].ContextWindow);
    }

    [Fact]
    public void ReemittedSnapshots_AddNothing()
    {
        var total = UsageJson(1000, 800, 50, 20);
        var calls = Calls(Thread, Meta(Thread), Turn("gpt-5.1-codex", "medium"), TokenCount(3, total, total), TokenCount(60, total, total), TokenCount(900, total, total));
        Assert.Equal(new TokenUsage(1000, 800, 0, 50, 20), Assert.Single(calls).Usage);
    }

    [Fact]
    public void OlderLogs_WithOnlyTotals_CountPositiveDeltas()
    {
        var calls = Calls(Thread, Meta(Thread), Turn("gpt-5", null), TokenCount(3, UsageJson(100, 0, 10, 0), null), TokenCount(4, UsageJson(300, 50, 30, 5), null));
        Assert.Equal(new TokenUsage(300, 50, 0, 30, 5), Sum(calls));
        Assert.Equal(new TokenUsage(200, 50, 0, 20, 5), calls[1].Usage);
    }

    [Fact]
    public void LastUsage_CountsOnlyWhereNoTotalExists()
    {
        var calls = Calls(Thread, Meta(Thread), Turn("gpt-5", null), TokenCount(3, null, UsageJson(100, 0, 10, 0)), TokenCount(4, null, UsageJson(200, 0, 20, 0)));
        Assert.Equal(new TokenUsage(300, 0, 0, 30, 0), Sum(calls));
    }

    [Fact]
    public void ACounterThatGoesBack_IsAResetNotANegativeCall()
    {
        var calls = Calls(Thread, Meta(Thread), Turn("gpt-5", null),
            TokenCount(3, UsageJson(5000, 0, 500, 0), UsageJson(5000, 0, 500, 0)),
            TokenCount(4, UsageJson(700, 0, 70, 0), UsageJson(700, 0, 70, 0))); // after a compaction or restart
        Assert.Equal(new TokenUsage(5700, 0, 0, 570, 0), Sum(calls));
        Assert.All(calls, c => Assert.True(c.Usage.InputTokens > 0));
    }

    [Fact]
    public void AFork_DoesNotCountItsParentsHistoryAgain()
    {
        var calls = Calls(Thread, Meta(Thread, forkedFrom: Parent), Turn("gpt-5.1-codex", "high"),
            TokenCount(3, UsageJson(41_000, 30_000, 2_100, 900), UsageJson(1_000, 900, 100, 0)), // parent's 40,000 + 2,000 are in the total
            TokenCount(4, UsageJson(42_500, 31_000, 2_200, 950), UsageJson(1_500, 1_000, 100, 50)));
        Assert.Equal(new TokenUsage(2_500, 1_900, 0, 200, 50), Sum(calls));
    }

    [Fact]
    public void ASubAgentFile_DropsTheReplayedParentPrefix()
    {
        var calls = Calls(Thread,
            Meta(Parent),                                               // the parent's meta comes first
            Turn("gpt-5.1-codex", "high"),
            TokenCount(2, UsageJson(9_000, 8_000, 900, 100), UsageJson(9_000, 8_000, 900, 100)), // replayed: the parent's calls
            TokenCount(2, UsageJson(12_000, 10_000, 1_200, 200), UsageJson(3_000, 2_000, 300, 100)),
            Meta(Thread, second: 3),                                    // the sub-agent itself starts here
            Turn("gpt-5.1-codex-mini", "low", 4),
            TokenCount(5, UsageJson(400, 0, 40, 0), UsageJson(400, 0, 40, 0)),
            TokenCount(6, UsageJson(1_000, 300, 90, 10), UsageJson(600, 300, 50, 10)));
        Assert.Equal(new TokenUsage(1_000, 300, 0, 90, 10), Sum(calls));
        Assert.All(calls, c => Assert.Equal("gpt-5.1-codex-mini", c.Model));
    }

    [Fact]
    public void RateLimitOnlySnapshots_UnknownEvents_AndNoisyLines_AreSkippedOrCounted()
    {
        var counter = new RolloutCounter(Thread);
        Assert.Equal(RolloutLineKind.Skipped, counter.Read(Bytes(Meta(Thread))).Kind);
        Assert.Equal(RolloutLineKind.Skipped, counter.Read(Bytes(TokenCount(2, null, null, infoNull: true))).Kind);
        Assert.Equal(RolloutLineKind.Skipped, counter.Read(Bytes("""{"timestamp":"2026-11-23T09:00:03Z","type":"something_new","payload":{}}""")).Kind);
        Assert.Equal(RolloutLineKind.Malformed, counter.Read(Bytes("""{"timestamp":"2026-11-23T09:00:04Z","type":"event_msg","payload":{"type":"token_count","info":{"total_tok""")).Kind);
        Assert.Equal(RolloutLineKind.Malformed, counter.Read([0xFF, 0xFE, 0x00, 0x12, 0x80]).Kind);
        Assert.Equal(RolloutLineKind.Malformed, counter.Read(Bytes("""{"timestamp":"2026-11-23T09:00:04Z","type":"event_msg","payload":{"type":"token_count","info":{,}}}""")).Kind); // closed, broken inside
        Assert.Equal(RolloutLineKind.Malformed, counter.Read(Bytes("""token_count {"info":{}}""")).Kind);
        Assert.Equal(RolloutLineKind.Call, counter.Read(Bytes(TokenCount(5, UsageJson(10, 0, 1, 0), UsageJson(10, 0, 1, 0)) + "\r")).Kind); // CRLF
        Assert.Equal(RolloutLineKind.Call, counter.Read(Bytes(" \t" + TokenCount(6, UsageJson(20, 0, 2, 0), UsageJson(10, 0, 1, 0)) + "  ")).Kind); // blanks around
        Assert.Null(RolloutCounter.ReadRateLimitsOf(Bytes("""{"timestamp":"2026-11-23T09:00:04Z","type":"event_msg","payload":{"type":"token_count","rate_limits":{"primary""")));
    }

    /// <summary>
    /// A snapshot with no time cannot be put on a day: it is malformed, and its total still moves
    /// the baseline, so the next snapshot counts only its own call. ccusage 20.0.24 does the same
    /// (measured on this file: 5,500 of the 7,700 tokens in both), and counting the lost call with
    /// the next one would put it on that call's day. Codex itself never writes such a line.
    /// </summary>
    [Fact]
    public void ASnapshotWithoutATime_IsMalformed_AndItsCallIsNotCountedWithTheNext()
    {
        var counter = new RolloutCounter(Thread);
        var calls = new List<CodexCall>();
        var timeless = TokenCount(3, UsageJson(3_000, 500, 300, 30), UsageJson(2_000, 500, 200, 20));
        timeless = "{" + timeless[(timeless.IndexOf(",\"ordinal\"", StringComparison.Ordinal) + 1)..];
        Assert.Equal(RolloutLineKind.Skipped, counter.Read(Bytes(Meta(Thread))).Kind);
        calls.Add(counter.Read(Bytes(TokenCount(2, UsageJson(1_000, 0, 100, 10), UsageJson(1_000, 0, 100, 10)))).Call!);
        Assert.Equal(RolloutLineKind.Malformed, counter.Read(Bytes(timeless)).Kind);
        calls.Add(counter.Read(Bytes(TokenCount(4, UsageJson(7_000, 1_500, 700, 70), UsageJson(4_000, 1_000, 400, 40)))).Call!);
        Assert.Equal([1_100L, 4_400L], calls.Select(c => c.Usage.TotalTokens));
    }

    [Fact]
    public void WithoutTurnContext_TheModelIsFlaggedAsAGuess()
    {
        var call = Assert.Single(Calls(Thread, Meta(Thread), TokenCount(3, UsageJson(10, 0, 1, 0), UsageJson(10, 0, 1, 0))));
        Assert.True(call.ModelGuessed);
        Assert.Null(call.Model);
    }

    [Theory]
    [InlineData("1795435179", 1795435179000)]
    [InlineData("1795435179123", 1795435179123)]
    [InlineData("\"2026-11-23T09:00:03.250Z\"", 1795424403250)]
    public void Timestamps_InSecondsMillisecondsOrIso(string timestamp, long expectedMs)
    {
        var line = "{\"timestamp\":" + timestamp + ",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"last_token_usage\":" + UsageJson(10, 0, 1, 0) + "}}}";
        var call = Assert.Single(Calls(Thread, Meta(Thread), line));
        Assert.Equal(expectedMs, call.Time.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void LegacyCachedFieldName_IsAccepted()
    {
        var legacy = """{"input_tokens":100,"cache_read_input_tokens":60,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":110}""";
        var call = Assert.Single(Calls(Thread, Meta(Thread), TokenCount(3, legacy, null)));
        Assert.Equal(60, call.Usage.CachedInputTokens);
    }

    [Fact]
    public void Prefilter_SkipsTheBulkOfTheFileWithoutParsing()
    {
        Assert.False(RolloutCounter.MayMatter(Bytes(Message(2, "a long answer"))));
        Assert.True(RolloutCounter.MayMatter(Bytes(TokenCount(2, null, UsageJson(1, 0, 1, 0)))));
        Assert.True(RolloutCounter.MayMatter(Bytes(Turn("gpt-5", null))));
    }
}
