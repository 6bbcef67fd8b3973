using System.Text.Json;
using Tollgate.Testing;
using Tollgate.Tests.Cli;
using Tollgate.Tests.RealClients;

namespace Tollgate.Tests.CodexLogs;

/// <summary>
/// Tollgate against ccusage 20.0.24 (npm, native binary) on the same generated Codex home:
/// equal tokens and costs per day, month and session wherever ccusage counts correctly
/// (re-emits, resumes, forks, archived copies, malformed lines); and where it does not — a
/// sub-agent file replays its parent's history, which ccusage counts again — the difference is
/// exactly the replayed parent total, and Tollgate's number is the generator's truth.
/// </summary>
public sealed class CcusageParityTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tollgate-parity-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string CodexHome => Path.Combine(_dir.FullName, "codex");

    private static readonly string[] Fields = ["inputTokens", "cacheReadTokens", "outputTokens", "reasoningOutputTokens", "totalTokens"];

    private async Task<JsonElement> CcusageAsync(string report, string zone)
    {
        var run = await ClientProcess.RunAsync(
            InstalledClients.Ccusage(),
            ["codex", report, "--json", "--offline", "--timezone", zone],
            _dir.FullName,
            new Dictionary<string, string> { ["CODEX_HOME"] = CodexHome, ["HOME"] = _dir.FullName, ["NO_COLOR"] = "1" },
            TestContext.Current.CancellationToken);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement;
    }

    private async Task<JsonElement> TollgateAsync(string report, string zone)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _dir.FullName,
            ["CODEX_HOME"] = CodexHome,
            ["TOLLGATE_DATA_DIR"] = Path.Combine(_dir.FullName, "data"),
        };
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(env, "usage", report, "--json", "--timezone", zone);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement;
    }

    private static void AssertSameRows(JsonElement expected, JsonElement actual, string array, string key)
    {
        var theirs = expected.GetProperty(array).EnumerateArray().ToDictionary(r => r.GetProperty(key).GetString()!);
        var ours = actual.GetProperty(array).EnumerateArray().ToDictionary(r => r.GetProperty(key).GetString()!);
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        foreach (var (name, row) in theirs)
        {
            foreach (var field in Fields)
            {
                Assert.True(row.GetProperty(field).GetInt64() == ours[name].GetProperty(field).GetInt64(), $"{array} {name} {field}: ccusage {row.GetProperty(field)}, Tollgate {ours[name].GetProperty(field)}");
            }

            Assert.Equal(Math.Round(row.GetProperty("costUSD").GetDecimal(), 9), Math.Round(ours[name].GetProperty("costUSD").GetDecimal(), 9));
        }
    }

    [Theory]
    [InlineData(31, "UTC")]
    [InlineData(32, "Europe/Berlin")]
    public async Task WhereCcusageCountsCorrectly_DaysMonthsAndSessionsAreEqual(int seed, string zone)
    {
        CcusageOrSkip();
        var truth = CodexHomeGenerator.Generate(CodexHome, new CodexHomeOptions { Seed = seed, Threads = 30, SubAgents = false });
        Assert.Contains(truth.Children, c => !truth.SubAgents.Contains(c.Key)); // forks are in
        Assert.True(truth.ArchivedCopies > 0 && truth.MalformedLines > 0);

        AssertSameRows(await CcusageAsync("daily", zone), await TollgateAsync("daily", zone), "daily", "date");
        AssertSameRows(await CcusageAsync("monthly", zone), await TollgateAsync("monthly", zone), "monthly", "month");

        var theirs = await CcusageSessionsAsync(zone);
        var ours = (await TollgateAsync("session", zone)).GetProperty("sessions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("sessionId").GetString()!, s => s.GetProperty("totalTokens").GetInt64());
        Assert.Equal(theirs.OrderBy(p => p.Key), ours.OrderBy(p => p.Key));
        Assert.Equal(truth.Total.TotalTokens, ours.Values.Sum());
    }

    [Fact]
    public async Task SubAgentFiles_CcusageCountsTheParentsReplayAgain_TollgateCountsTheTruth()
    {
        CcusageOrSkip();
        var truth = CodexHomeGenerator.Generate(CodexHome, new CodexHomeOptions { Seed = 33, Threads = 30, Forks = false });
        Assert.NotEmpty(truth.SubAgents);

        var theirs = await CcusageSessionsAsync("UTC");
        var ours = (await TollgateAsync("session", "UTC")).GetProperty("sessions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("sessionId").GetString()!, s => s.GetProperty("totalTokens").GetInt64());

        var truthByThread = truth.ByThread();
        foreach (var (thread, tokens) in ours)
        {
            Assert.Equal(truthByThread[thread].TotalTokens, tokens);
            var replayed = truth.SubAgents.Contains(thread) ? truth.ReplayedParentShare[thread].TotalTokens : 0;
            Assert.Equal(tokens + replayed, theirs[thread]);
        }
    }

    /// <summary>
    /// ccusage's sessions by Codex thread id. ccusage names a session by its file, so a thread
    /// in both <c>sessions/</c> and <c>archived_sessions/</c> is listed twice with all its
    /// tokens each time (its daily totals count them once); Tollgate lists the thread once, by
    /// the id that ends the file name. One copy of each is compared.
    /// </summary>
    private async Task<Dictionary<string, long>> CcusageSessionsAsync(string zone) =>
        (await CcusageAsync("session", zone)).GetProperty("sessions").EnumerateArray()
            .GroupBy(s => s.GetProperty("sessionFile").GetString()![^36..])
            .ToDictionary(g => g.Key, g => g.Max(s => s.GetProperty("totalTokens").GetInt64()));

    private static void CcusageOrSkip() => InstalledClients.Ccusage();
}
