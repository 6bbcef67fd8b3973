using Tollgate.Core.CodexLogs;

namespace Tollgate.Core.Tests.CodexLogs;

/// <summary>Which sessions belong to the current project, in what order, and under which name.</summary>
public sealed class SessionListTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-sessionlist-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static RolloutSummary Session(string id, string? cwd, int minute) => new(
        id, "/h", "/h/f", cwd, null, null, "gpt-5", null, null, "prompt " + id, null,
        new DateTimeOffset(2026, 11, 23, 10, minute, 0, TimeSpan.Zero), 100, null, null);

    [Theory]
    [InlineData("/work/app", "/work/app", true)]
    [InlineData("/work/app/src", "/work/app", true)]      // inside
    [InlineData("/work", "/work/app/src", true)]          // contains
    [InlineData("/work/app2", "/work/app", false)]        // a sibling with the same prefix
    [InlineData("/", "/work/app", false)]                 // contains everything
    [InlineData("/home/me", "/home/me/app", false)]       // the home directory, likewise
    [InlineData(null, "/work/app", false)]
    public void InProject(string? session, string current, bool expected) =>
        Assert.Equal(expected, SessionList.InProject(session, current, "/home/me"));

    [Fact]
    public void ThisProjectsSessionsComeFirst_NewestFirst_WithTheirNames()
    {
        var ordered = SessionList.Order(
            [Session("a", "/other", 50), Session("b", "/work/app", 10), Session("c", "/work/app/src", 20), Session("d", null, 59)],
            "/work/app",
            "/home/me",
            new Dictionary<string, string> { ["b"] = "fix the login" });

        Assert.Equal(["c", "b", "d", "a"], ordered.Select(s => s.Session.Id));
        Assert.Equal("fix the login", ordered[1].Name);
        Assert.Equal([true, true, false, false], ordered.Select(s => s.InProject));
    }

    [Fact]
    public void Names_TheNewestLinePerIdWins_AndBadLinesAreSkipped()
    {
        File.WriteAllLines(Path.Combine(_dir.FullName, "session_index.jsonl"),
        [
            """{"id":"t1","thread_name":"old name","updated_at":"2026-11-20T10:00:00Z"}""",
            """{"id":"t1","thread_name":"new name","updated_at":"2026-11-22T10:00:00Z"}""",
            """{"id":"t2","thread_name":"other""",
            """{"id":"t3","thread_name":"third","updated_at":"2026-11-21T10:00:00Z"}""",
        ]);

        var names = SessionList.ReadNames([_dir.FullName, Path.Combine(_dir.FullName, "missing")]);

        Assert.Equal("new name", names["t1"]);
        Assert.Equal("third", names["t3"]);
        Assert.False(names.ContainsKey("t2"));
    }
}
