using Microsoft.Data.Sqlite;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Storage;
using Tollgate.Testing;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>The session listing reads only files that changed since the last one, and forgets files that are gone.</summary>
public sealed class SessionCatalogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-catalog-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task ASecondListing_ReadsOnlyWhatChanged_AndForgetsDeletedFiles()
    {
        var truth = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "codex"), new CodexHomeOptions { Seed = 3, Threads = 20 });
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "tollgate.db"));
        await store.MigrateAsync(Ct);
        var catalog = new SessionCatalog(store);

        var first = await catalog.ListAsync([truth.Path], Ct);
        Assert.Empty(first.Problems);
        Assert.Equal(0, first.FilesCached);
        Assert.True(first.FilesRead >= first.Sessions.Count);
        var threads = Directory.GetFiles(truth.Path, "rollout-*.jsonl", SearchOption.AllDirectories).Select(RolloutReader.ThreadIdFromName).Distinct().Count();
        Assert.True(truth.ArchivedCopies > 0);
        Assert.Equal(threads, first.Sessions.Count); // an archived copy of a live thread is one session

        var second = await catalog.ListAsync([truth.Path], Ct);
        Assert.Equal((0, first.FilesRead), (second.FilesRead, second.FilesCached));
        Assert.Equal(first.Sessions.OrderBy(s => s.Id), second.Sessions.OrderBy(s => s.Id));

        // Codex appends a turn to one session: only that file is read again, and its tokens grow.
        var grown = first.Sessions.Where(s => s.ForkedFrom is null).MaxBy(s => s.TotalTokens)!;
        File.AppendAllText(grown.File,
            """{"timestamp":"2026-12-01T09:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":900000000,"cached_input_tokens":0,"output_tokens":100,"reasoning_output_tokens":0}}}}""" + "\n");
        File.SetLastWriteTimeUtc(grown.File, new DateTime(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc));
        var third = await catalog.ListAsync([truth.Path], Ct);
        Assert.Equal(1, third.FilesRead);
        var after = third.Sessions.Single(s => s.Id == grown.Id);
        Assert.True(after.TotalTokens > grown.TotalTokens);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), after.LastActivity);

        // A damaged cache row is a miss, not a failure.
        await using (var connection = new SqliteConnection("Data Source=" + Path.Combine(_dir.FullName, "tollgate.db")))
        {
            await connection.OpenAsync(Ct);
            await using var damage = connection.CreateCommand();
            damage.CommandText = "UPDATE codex_file_summaries SET summary_json = '{not json' WHERE path = $path";
            damage.Parameters.AddWithValue("$path", grown.File);
            Assert.Equal(1, await damage.ExecuteNonQueryAsync(Ct));
        }

        var repaired = await catalog.ListAsync([truth.Path], Ct);
        Assert.Equal(1, repaired.FilesRead);
        Assert.Equal(after, repaired.Sessions.Single(s => s.Id == grown.Id));

        // A deleted file's session goes, and so does its cached summary.
        var removed = first.Sessions.First(s => s.Id != grown.Id);
        File.Delete(removed.File);
        var fourth = await catalog.ListAsync([truth.Path], Ct);
        Assert.DoesNotContain(fourth.Sessions, s => s.File == removed.File);
        Assert.False((await store.ReadRolloutSummariesAsync(Ct)).ContainsKey(removed.File));
    }

    [Fact]
    public async Task OnAGeneratedHome_ThisProjectsSessionsComeFirst_EachGroupNewestFirst()
    {
        var truth = CodexHomeGenerator.Generate(Path.Combine(_dir.FullName, "codex"), new CodexHomeOptions
        {
            Seed = 9,
            Threads = 40,
            Directories = ["/work/app", "/work/app/src", "/work/other", "/", "/work"],
        });
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "tollgate.db"));
        await store.MigrateAsync(Ct);
        var sessions = (await new SessionCatalog(store).ListAsync([truth.Path], Ct)).Sessions;

        var ordered = SessionList.Order(sessions, "/work/app", "/home/dev", new Dictionary<string, string>());

        // Here, inside, and the folder that contains it; never "/", which contains everything.
        var expectedInProject = sessions.Where(s => s.Cwd is "/work/app" or "/work/app/src" or "/work").Select(s => s.Id).ToHashSet();
        Assert.InRange(expectedInProject.Count, 5, sessions.Count - 5);
        Assert.Equal(expectedInProject.Count, ordered.TakeWhile(s => s.InProject).Count());
        Assert.Equal(expectedInProject.Order(), ordered.Where(s => s.InProject).Select(s => s.Session.Id).Order());
        foreach (var group in new[] { ordered.Where(s => s.InProject), ordered.Where(s => !s.InProject) })
        {
            var times = group.Select(s => s.Session.LastActivity ?? s.Session.StartedAt).ToList();
            Assert.Equal(times.OrderDescending(), times);
        }
    }

    [Fact]
    public async Task AMissingHome_IsAProblem_NotAFailure()
    {
        var store = new SqliteUsageStore(Path.Combine(_dir.FullName, "tollgate.db"));
        await store.MigrateAsync(Ct);

        var result = await new SessionCatalog(store).ListAsync([Path.Combine(_dir.FullName, "nowhere")], Ct);

        Assert.Empty(result.Sessions);
        Assert.Contains("does not exist", Assert.Single(result.Problems));
    }
}
