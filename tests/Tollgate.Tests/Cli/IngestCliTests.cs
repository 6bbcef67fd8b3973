using System.Text.Json;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate ingest</c> and the daily report over what it read, as a user runs them.</summary>
public sealed class IngestCliTests : IDisposable
{
    private const string Thread = "01a20846-0000-7000-8000-0000000000aa";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-ingest-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private Dictionary<string, string> Env() => new()
    {
        ["HOME"] = _dir.FullName,
        ["TOLLGATE_DATA_DIR"] = Path.Combine(_dir.FullName, "data"),
        ["CODEX_HOME"] = Path.Combine(_dir.FullName, "codex"),
    };

    private static string Count(string time, long input, long cached, long output) =>
        "{\"timestamp\":\"" + time + "\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":" + input
        + ",\"cached_input_tokens\":" + cached + ",\"output_tokens\":" + output + ",\"reasoning_output_tokens\":0,\"total_tokens\":" + (input + output) + "}}}}";

    private async Task WriteSessionAsync(string home, string thread = Thread)
    {
        var file = Path.Combine(home, "sessions", "2026", "11", "20", $"rollout-2026-11-20T08-00-00-{thread}.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllLinesAsync(file,
        [
            "{\"timestamp\":\"2026-11-20T08:00:00Z\",\"type\":\"session_meta\",\"payload\":{\"id\":\"" + thread + "\",\"cwd\":\"/w\"}}",
            "{\"timestamp\":\"2026-11-20T08:00:01Z\",\"type\":\"turn_context\",\"payload\":{\"model\":\"gpt-5.1-codex\",\"effort\":\"high\"}}",
            Count("2026-11-20T08:00:05Z", 10_000, 8_000, 500),
            Count("2026-11-20T08:00:05Z", 10_000, 8_000, 500), // re-emitted
            Count("2026-11-21T10:00:00Z", 25_000, 20_000, 900), // resumed the next day
        ], TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Ingest_ThenUsageDaily_ReportsTheLogsTokens_AndASecondRunAddsNothing()
    {
        await WriteSessionAsync(Path.Combine(_dir.FullName, "codex"));

        var (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), "ingest");
        Assert.True(code == 0, stderr);
        Assert.Contains("2 new call(s)", stdout);

        (code, stdout, _) = await TollgateProcess.RunAsync(Env(), "ingest", "--json");
        Assert.Equal(0, JsonDocument.Parse(stdout).RootElement.GetProperty("callsAdded").GetInt32());

        (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), "usage", "daily", "--json", "--source", "codex-log");
        Assert.True(code == 0, stderr);
        var report = JsonDocument.Parse(stdout).RootElement;
        var days = report.GetProperty("daily").EnumerateArray().ToDictionary(d => d.GetProperty("date").GetString()!, d => d.GetProperty("totalTokens").GetInt64());
        Assert.Equal(10_500, days["2026-11-20"]);
        Assert.Equal(15_400, days["2026-11-21"]); // bucketed by the event's own day, not the folder's
        Assert.Equal(25_900, report.GetProperty("totals").GetProperty("totalTokens").GetInt64());
    }

    [Fact]
    public async Task Ingest_AMissingHome_ExitsNonZeroNamingIt()
    {
        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "ingest", "--home", Path.Combine(_dir.FullName, "nowhere"));
        Assert.Equal(7, code);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public async Task UsageDaily_IngestsFirst_UnlessToldNotTo()
    {
        await WriteSessionAsync(Path.Combine(_dir.FullName, "codex"));
        var (_, skipped, _) = await TollgateProcess.RunAsync(Env(), "usage", "daily", "--json", "--no-ingest");
        Assert.Equal(0, JsonDocument.Parse(skipped).RootElement.GetProperty("totals").GetProperty("totalTokens").GetInt64());

        var (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), "usage", "daily", "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(25_900, JsonDocument.Parse(stdout).RootElement.GetProperty("totals").GetProperty("totalTokens").GetInt64());
    }

    [Fact]
    public async Task Homes_AddListRemove_AndIngestReadsTheAddedOnesBesidesTheDefault()
    {
        var other = Path.Combine(_dir.FullName, "other-codex");
        await WriteSessionAsync(other);
        await WriteSessionAsync(Path.Combine(_dir.FullName, "codex"), "01a20846-0000-7000-8000-0000000000bb");

        var (code, _, stderr) = await TollgateProcess.RunAsync(Env(), "homes", "add", Path.Combine(_dir.FullName, "nowhere"));
        Assert.Equal(7, code);
        Assert.Contains("does not exist", stderr);

        (code, var stdout, stderr) = await TollgateProcess.RunAsync(Env(), "homes", "add", other);
        Assert.True(code == 0, stderr);
        (_, stdout, _) = await TollgateProcess.RunAsync(Env(), "homes", "list");
        Assert.Equal([$"{Path.Combine(_dir.FullName, "codex")}  (default)", $"{other}  (added)"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), "ingest");
        Assert.True(code == 0, stderr);
        Assert.Contains("4 new call(s)", stdout); // two from each home: adding one reads it too

        (code, _, _) = await TollgateProcess.RunAsync(Env(), "homes", "remove", other);
        Assert.Equal(0, code);
        (code, _, _) = await TollgateProcess.RunAsync(Env(), "homes", "remove", other);
        Assert.Equal(7, code);
    }
}
