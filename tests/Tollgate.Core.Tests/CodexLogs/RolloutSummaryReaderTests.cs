using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Testing;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>
/// A session read from its head and tail only must say what a whole ingestion says of it: the
/// same tokens (forks' and sub-agents' parent history left out), first prompt, directory,
/// model, activity and context use — on generated homes with every trap, small files (read
/// whole) and large ones (head and tail).
/// </summary>
public sealed class RolloutSummaryReaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-summary-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    [Theory]
    [InlineData(7, 200)]
    [InlineData(11, 200)]
    [InlineData(7, 40_000)]
    [InlineData(23, 40_000)]
    public async Task EverySummary_EqualsTheIngestedSession(int seed, int fillerBytesPerCall)
    {
        var truth = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "codex"), new CodexHomeOptions { Seed = seed, Threads = 30, FillerBytesPerCall = fillerBytesPerCall });
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "tollgate.db"));
        await store.MigrateAsync(Ct);
        await new CodexIngester(store, PriceTable.Create(null), new FakeTimeProvider()).IngestAsync([truth.Path], Ct);
        var ingested = (await store.ReadCodexSessionsAsync(null, Ct)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var byThread = truth.ByThread();

        var listed = (await new SessionCatalog(store).ListAsync([truth.Path], Ct)).Sessions;

        Assert.Equal(ingested.Keys.Order(StringComparer.Ordinal), listed.Select(s => s.Id).Order(StringComparer.Ordinal));
        if (fillerBytesPerCall > 10_000)
        {
            // Worth something only if files past the whole-read size take the head-and-tail path.
            Assert.Contains(listed, s => new FileInfo(s.File).Length > RolloutSummaryReader.HeadBytes + RolloutSummaryReader.TailBytes);
        }

        foreach (var summary in listed)
        {
            var session = ingested[summary.Id];
            Assert.Equal(session.File, summary.File);
            Assert.Equal(byThread.TryGetValue(summary.Id, out var own) ? own.TotalTokens : 0, summary.TotalTokens);
            Assert.Equal(session.TotalTokens, summary.TotalTokens);
            Assert.Equal(session.FirstPrompt, summary.FirstPrompt);
            Assert.Equal(session.Cwd, summary.Cwd);
            Assert.Equal(session.Model, summary.Model);
            Assert.Equal(session.Effort, summary.Effort);
            Assert.Equal(session.ForkedFrom, summary.ForkedFrom);
            Assert.Equal(session.StartedAt, summary.StartedAt);
            Assert.Equal(session.LastActivity, summary.LastActivity);
            Assert.Equal(session.ContextWindow, summary.ContextWindow);
            Assert.Equal(session.LastInputTokens, summary.LastInputTokens);
            Assert.Equal(session.Originator, summary.Originator);
            Assert.Equal(session.CliVersion, summary.CliVersion);
        }
    }

    [Fact]
    public void ALongFileWithATornLastLine_IsSummedToItsLastCompleteTotal_WithTheLatestModelFromThePartSkipped()
    {
        var file = Path.Combine(_dir.FullName, "rollout-2026-11-20T09-00-00-01a20846-0000-7000-8000-00000000000a.jsonl");
        var filler = new string('x', 8_000);
        using (var writer = new StreamWriter(file))
        {
            writer.WriteLine("""{"timestamp":"2026-11-20T09:00:00Z","type":"session_meta","payload":{"id":"01a20846-0000-7000-8000-00000000000a","cwd":"/work/app"}}""");
            writer.WriteLine("""{"timestamp":"2026-11-20T09:00:01Z","type":"event_msg","payload":{"type":"user_message","message":"  make   it\nfast "}}""");
            for (var i = 1; i <= 100; i++)
            {
                if (i is 1 or 50)
                {
                    // The model changes half-way; neither turn_context is near the end of the file.
                    writer.WriteLine("{\"timestamp\":\"2026-11-20T09:01:00Z\",\"type\":\"turn_context\",\"payload\":{\"model\":\"" + (i == 1 ? "gpt-5.2" : "gpt-5.1-codex-mini") + "\",\"effort\":\"" + (i == 1 ? "low" : "high") + "\"}}");
                }

                writer.WriteLine("{\"timestamp\":\"2026-11-20T09:01:00Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"text\":\"" + filler + "\"}}");
                writer.WriteLine("{\"timestamp\":\"2026-11-20T10:" + (i % 60).ToString("00", System.Globalization.CultureInfo.InvariantCulture) + ":00Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":" + (i * 1000) + ",\"cached_input_tokens\":0,\"output_tokens\":" + (i * 10) + ",\"reasoning_output_tokens\":0},\"last_token_usage\":{\"input_tokens\":1000,\"output_tokens\":10},\"model_context_window\":400000}}}");
            }

            writer.Write("""{"timestamp":"2026-11-20T11:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_""");
        }

        Assert.True(new FileInfo(file).Length > RolloutSummaryReader.HeadBytes + RolloutSummaryReader.TailBytes);
        var summary = RolloutSummaryReader.Read(_dir.FullName, file);

        Assert.Equal(100 * 1010, summary.TotalTokens);
        Assert.Equal("make it fast", summary.FirstPrompt);
        Assert.Equal(("gpt-5.1-codex-mini", "high", "/work/app"), (summary.Model, summary.Effort, summary.Cwd));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 40, 0, TimeSpan.Zero), summary.LastActivity); // i = 100, 10:40
        Assert.Equal(1000d / 400000, summary.ContextUse);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheLastTotal_CountsWhereverTheTailBoundaryFalls(bool boundaryAtLineStart)
    {
        static string Line(string time, string type, string payload) => "{\"timestamp\":\"" + time + "\",\"type\":\"" + type + "\",\"payload\":" + payload + "}\n";
        static string Total(long input) =>
            "{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":" + input + ",\"cached_input_tokens\":0,\"output_tokens\":7,\"reasoning_output_tokens\":0},\"model_context_window\":400000}}";
        var text = new System.Text.StringBuilder()
            .Append(Line("2026-11-20T09:00:00Z", "session_meta", "{\"id\":\"01a20846-0000-7000-8000-00000000000b\",\"cwd\":\"/w\"}"))
            .Append(Line("2026-11-20T09:00:01Z", "event_msg", "{\"type\":\"user_message\",\"message\":\"go\"}"))
            .Append(Line("2026-11-20T09:00:02Z", "turn_context", "{\"model\":\"gpt-5.2\"}"));
        for (var i = 1; i <= 40; i++)
        {
            text.Append(Line("2026-11-20T09:01:00Z", "response_item", "{\"text\":\"" + new string('x', 10_000) + "\"}"));
            text.Append(Line("2026-11-20T09:02:00Z", "event_msg", Total(i * 100)));
        }

        // The last total, then one long line without a total, sized so the tail begins at the last total or inside it.
        var last = Line("2026-11-20T10:00:00Z", "event_msg", Total(999_000));
        text.Append(last);
        var fillerLength = RolloutSummaryReader.TailBytes - (boundaryAtLineStart ? last.Length : last.Length / 2);
        var fillerPrefix = Line("2026-11-20T10:00:01Z", "response_item", "{\"text\":\"\"}");
        text.Append(fillerPrefix.Insert(fillerPrefix.IndexOf("\"\"}", StringComparison.Ordinal) + 1, new string('y', fillerLength - fillerPrefix.Length)));
        var file = Path.Combine(_dir.FullName, "rollout-2026-11-20T09-00-00-01a20846-0000-7000-8000-00000000000b.jsonl");
        File.WriteAllText(file, text.ToString());

        var summary = RolloutSummaryReader.Read(_dir.FullName, file);

        Assert.Equal(999_000 + 7, summary.TotalTokens);
        Assert.Equal(400000, summary.ContextWindow);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), summary.LastActivity);
    }
}
