using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using static Tollgate.Core.Tests.CodexLogs.RolloutLines;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>Ingesting a generated Codex home into a real store: exact totals, copies counted once, only new bytes read, rewrites replaced.</summary>
public sealed class CodexIngesterTests : IDisposable
{
    private const string T1 = "01a20846-0000-7000-8000-000000000001";
    private const string T2 = "01a20846-0000-7000-8000-000000000002";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-ingest-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private string Home => Path.Combine(_dir.FullName, "codex");

    private string SessionFile(string thread, string day) => Path.Combine(Home, "sessions", "2026", "11", day, $"rollout-2026-11-{day}T09-00-00-{thread}.jsonl");

    private static void WriteFile(string path, params string[] lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
    }

    private async Task<(CodexIngester Ingester, SqliteUsageStore Store)> SetUpAsync()
    {
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "tollgate.db"));
        await store.MigrateAsync(Ct);
        return (new CodexIngester(store, PriceTable.Create(null), _time), store);
    }

    private static async Task<TokenUsage> TotalAsync(SqliteUsageStore store)
    {
        var total = default(TokenUsage);
        await foreach (var r in store.ReadAsync(new UsageQuery(Source: CodexIngester.Source), Ct))
        {
            total += r.Usage!.Value;
        }

        // The summary table must agree with the records, whatever was replaced.
        var summary = (await store.ReadDailySummaryAsync(Ct)).Where(s => s.Source == CodexIngester.Source).ToList();
        Assert.Equal(total.InputTokens, summary.Sum(s => s.InputTokens));
        Assert.Equal(total.OutputTokens, summary.Sum(s => s.OutputTokens));
        return total;
    }

    [Fact]
    public async Task Ingest_CountsEachThreadOnce_ReadsOnlyNewBytes_AndReplacesARewrittenFile()
    {
        string[] t1 = [Meta(T1), Turn("gpt-5.1-codex", "high"), TokenCount(3, UsageJson(1000, 800, 50, 20), null), TokenCount(4, UsageJson(3000, 2000, 150, 40), null)];
        WriteFile(SessionFile(T1, "23"), t1);
        WriteFile(Path.Combine(Home, "archived_sessions", Path.GetFileName(SessionFile(T1, "23"))), t1); // the same thread, archived
        WriteFile(SessionFile(T2, "24"), Meta(T2), Turn("gpt-5.2", null), TokenCount(3, UsageJson(500, 0, 20, 0), null));
        var (ingester, store) = await SetUpAsync();

        var first = await ingester.IngestAsync([Home], Ct);
        Assert.Equal((3, 2, 1, 3), (first.FilesSeen, first.FilesRead, first.DuplicateCopies, first.CallsAdded));
        Assert.Equal(new TokenUsage(3500, 2000, 0, 170, 40), await TotalAsync(store));

        var again = await ingester.IngestAsync([Home], Ct);
        Assert.Equal((0, 2, 0), (again.FilesRead, again.FilesUnchanged, again.CallsAdded));

        File.AppendAllText(SessionFile(T2, "24"), TokenCount(9, UsageJson(1500, 400, 60, 0), null) + "\n");
        var appended = await ingester.IngestAsync([Home], Ct);
        Assert.Equal((1, 1), (appended.FilesRead, appended.CallsAdded));
        Assert.Equal(new TokenUsage(4500, 2400, 0, 210, 40), await TotalAsync(store));

        // Rewritten with less in it (both copies, so the canonical one stays the same file).
        string[] shorter = [Meta(T1, second: 1), Turn("gpt-5.1-codex", "high"), TokenCount(3, UsageJson(1000, 800, 50, 20), null)];
        WriteFile(SessionFile(T1, "23"), shorter);
        WriteFile(Path.Combine(Home, "archived_sessions", Path.GetFileName(SessionFile(T1, "23"))), shorter);
        var rewritten = await ingester.IngestAsync([Home], Ct);
        Assert.Equal(1, rewritten.FilesRestarted);
        Assert.Equal(new TokenUsage(2500, 1200, 0, 110, 20), await TotalAsync(store));
    }

    [Fact]
    public async Task ADeletedFile_TakesItsRecordsWithIt_AndAMissingHomeIsNamed()
    {
        WriteFile(SessionFile(T1, "23"), Meta(T1), Turn("gpt-5", null), TokenCount(3, UsageJson(100, 0, 10, 0), null));
        WriteFile(SessionFile(T2, "23"), Meta(T2), Turn("gpt-5", null), TokenCount(3, UsageJson(200, 0, 20, 0), null));
        var (ingester, store) = await SetUpAsync();
        await ingester.IngestAsync([Home], Ct);
        Assert.Equal(300, (await TotalAsync(store)).InputTokens);

        File.Delete(SessionFile(T1, "23"));
        var missing = Path.Combine(_dir.FullName, "no-such-home");
        var report = await ingester.IngestAsync([Home, missing], Ct);
        Assert.Contains(report.Problems, p => p.Contains(missing, StringComparison.Ordinal) && p.Contains("does not exist", StringComparison.Ordinal));
        Assert.Equal(200, (await TotalAsync(store)).InputTokens);
    }

    [Fact]
    public async Task AHomeLeftOutOfARun_OrMissingForNow_KeepsWhatItCounted_AndItsThreadsAreNotCountedTwice()
    {
        var other = Path.Combine(_dir.FullName, "other-codex");
        WriteFile(SessionFile(T1, "23"), Meta(T1), Turn("gpt-5", null), TokenCount(3, UsageJson(100, 0, 10, 0), null));
        string[] t2 = [Meta(T2), Turn("gpt-5", null), TokenCount(3, UsageJson(200, 0, 20, 0), null)];
        WriteFile(Path.Combine(other, "sessions", "2026", "11", "24", Path.GetFileName(SessionFile(T2, "24"))), t2);
        var (ingester, store) = await SetUpAsync();
        await ingester.IngestAsync([Home, other], Ct);
        Assert.Equal(300, (await TotalAsync(store)).InputTokens);

        // `tollgate ingest --home other`: the default home's history stays.
        var onlyOther = await ingester.IngestAsync([other], Ct);
        Assert.Equal((0, 0), (onlyOther.FilesForgotten, onlyOther.CallsAdded));
        Assert.Equal(300, (await TotalAsync(store)).InputTokens);

        // A copy of T2 in the default home, read alone: T2 is counted from the other home already.
        WriteFile(SessionFile(T2, "24"), t2);
        var onlyDefault = await ingester.IngestAsync([Home], Ct);
        Assert.Equal((0, 1, 0), (onlyDefault.FilesForgotten, onlyDefault.DuplicateCopies, onlyDefault.CallsAdded));
        Assert.Equal(300, (await TotalAsync(store)).InputTokens);

        // T2 resumed in the default home, read alone: its longer copy counts now, in place of the other's.
        File.AppendAllText(SessionFile(T2, "24"), TokenCount(9, UsageJson(700, 0, 30, 0), null) + "\n");
        var resumed = await ingester.IngestAsync([Home], Ct);
        Assert.Equal((1, 2), (resumed.FilesForgotten, resumed.CallsAdded));
        Assert.Equal(800, (await TotalAsync(store)).InputTokens);

        // Both homes again: one copy of each thread, nothing lost or added.
        var both = await ingester.IngestAsync([Home, other], Ct);
        Assert.Equal((0, 0, 1), (both.FilesForgotten, both.CallsAdded, both.DuplicateCopies));
        Assert.Equal(800, (await TotalAsync(store)).InputTokens);

        // The other home gone for now (say, a disk not mounted): what it counted stays, and is named.
        Directory.Move(other, other + "-away");
        var missing = await ingester.IngestAsync([Home, other], Ct);
        Assert.Contains(missing.Problems, p => p.Contains(other, StringComparison.Ordinal));
        Assert.Equal(800, (await TotalAsync(store)).InputTokens);
    }

    [Fact]
    public async Task MalformedLines_AreCountedNotFatal()
    {
        WriteFile(SessionFile(T1, "23"), Meta(T1), "not json at all", Turn("gpt-5", null), "{\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{", TokenCount(3, UsageJson(100, 0, 10, 0), null));
        var (ingester, store) = await SetUpAsync();
        var report = await ingester.IngestAsync([Home], Ct);
        Assert.Equal((1, 2), (report.CallsAdded, report.MalformedLines));
        Assert.Equal(100, (await TotalAsync(store)).InputTokens);
    }
}
