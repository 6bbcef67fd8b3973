using System.Globalization;
using System.Text.Json;
using Tollgate.Testing;

namespace Tollgate.Tests.Cli;

/// <summary>
/// The usage reports and <c>tollgate limits</c> as a user runs them, over a generated Codex
/// home: ccusage's JSON shapes, the options, the progress bar, and clear errors for bad input.
/// </summary>
public sealed class UsageReportsCliTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string CodexHome => _sandbox.CodexHome;

    private Dictionary<string, string> Env() => _sandbox.Env();

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), args);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement;
    }

    [Fact]
    public async Task WeeklyMonthlyAndSessionReports_InCcusageShapes_MatchTheHome()
    {
        var truth = CodexHomeGenerator.Generate(CodexHome, new CodexHomeOptions { Seed = 3, Threads = 15 });

        var monthly = await JsonAsync("usage", "monthly", "--json", "--timezone", "UTC");
        var months = truth.ByMonth(TimeZoneInfo.Utc);
        Assert.Equal(months.Keys, monthly.GetProperty("monthly").EnumerateArray().Select(m => m.GetProperty("month").GetString()));
        Assert.Equal(months.Values.Select(u => u.TotalTokens), monthly.GetProperty("monthly").EnumerateArray().Select(m => m.GetProperty("totalTokens").GetInt64()));
        Assert.Equal(truth.Total.TotalTokens, monthly.GetProperty("totals").GetProperty("totalTokens").GetInt64());
        Assert.True(monthly.GetProperty("totals").GetProperty("costUSD").GetDecimal() > 0);

        var weekly = await JsonAsync("usage", "weekly", "--json", "--timezone", "UTC", "--week-start", "sunday", "--order", "desc", "--no-ingest");
        var weeks = weekly.GetProperty("weekly").EnumerateArray().Select(w => DateOnly.ParseExact(w.GetProperty("week").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
        Assert.All(weeks, w => Assert.Equal(DayOfWeek.Sunday, w.DayOfWeek));
        Assert.Equal(weeks.OrderDescending(), weeks);
        Assert.Equal(truth.Total.TotalTokens, weekly.GetProperty("totals").GetProperty("totalTokens").GetInt64());

        var sessions = await JsonAsync("usage", "session", "--json", "--no-cost", "--no-ingest");
        var threads = truth.ByThread();
        var rows = sessions.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(threads.Keys.Order(StringComparer.Ordinal), rows.Select(r => r.GetProperty("sessionId").GetString()!).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            Assert.Equal(threads[row.GetProperty("sessionId").GetString()!].TotalTokens, row.GetProperty("totalTokens").GetInt64());
            Assert.False(row.TryGetProperty("costUSD", out _)); // --no-cost
            Assert.StartsWith("/home/dev/project", row.GetProperty("directory").GetString()); // the latest turn_context's cwd
        }

        var lastActivities = rows.Select(r => DateTimeOffset.Parse(r.GetProperty("lastActivity").GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(lastActivities.Order(), lastActivities); // oldest first by default

        var (code, table, stderr) = await TollgateProcess.RunAsync(Env(), "usage", "daily", "--compact", "--breakdown", "--no-ingest");
        Assert.True(code == 0, stderr);
        Assert.Contains("gpt-5.1-codex", table);
        Assert.DoesNotContain("Cache read", table); // compact
        Assert.Contains("└", table);                // breakdown rows
    }

    [Fact]
    public async Task UnpricedModels_AreShownAsUnpriced_AndNamedInAWarning()
    {
        CodexHomeGenerator.Generate(CodexHome, new CodexHomeOptions { Seed = 4, Threads = 3, Models = ["gpt-9-imaginary"], Forks = false, SubAgents = false });

        var (code, table, stderr) = await TollgateProcess.RunAsync(Env(), "usage", "monthly");
        Assert.True(code == 0, stderr);
        Assert.Contains("unpriced", table);
        Assert.Contains("models without a price (gpt-9-imaginary)", table);
        Assert.DoesNotContain("$0.00 ", table);

        var json = await JsonAsync("usage", "monthly", "--json", "--no-ingest");
        Assert.Equal(["gpt-9-imaginary"], json.GetProperty("unpricedModels").EnumerateArray().Select(m => m.GetString()));
    }

    [Theory]
    [InlineData("--order", "sideways", "--order must be asc or desc")]
    [InlineData("--since", "2026-13-01", "--since: '2026-13-01' is not a date")]
    [InlineData("--timezone", "Mars/Olympus", "unknown time zone 'Mars/Olympus'")]
    [InlineData("--week-start", "funday", "--week-start must be a day of the week")]
    [InlineData("--source", "carrier-pigeon", "--source must be gateway, codex-log or all")]
    public async Task BadOptions_ExitWithAMessageNamingTheOption(string option, string value, string message)
    {
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(Env(), "usage", "weekly", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Limits_ShowBothWindowsAndTheMessagesSentInThem_AndActiveSessionsContextUse()
    {
        var now = TimeProvider.System.GetUtcNow();
        var truth = CodexHomeGenerator.Generate(CodexHome, new CodexHomeOptions { Seed = 9, Threads = 12, Start = now.AddDays(-2), Days = 1, Resumes = false, Forks = false, SubAgents = false });

        var json = await JsonAsync("limits", "--json", "--active-minutes", "10000");

        var home = Assert.Single(json.GetProperty("limits").EnumerateArray());
        Assert.Equal("codex-log", home.GetProperty("source").GetString());
        Assert.Equal("plus", home.GetProperty("planType").GetString());
        var weekly = home.GetProperty("windows").EnumerateArray().Single(w => w.GetProperty("kind").GetString() == "weekly");
        Assert.False(weekly.GetProperty("reset").GetBoolean());
        Assert.Equal(truth.LatestLimits.Weekly, weekly.GetProperty("usedPercent").GetDouble());
        var windowStart = weekly.GetProperty("resetsAt").GetDateTimeOffset().AddMinutes(-10080);
        Assert.Equal(truth.Messages.Count(m => m.Time >= windowStart), weekly.GetProperty("messagesInWindow").GetInt64());
        Assert.Contains(home.GetProperty("windows").EnumerateArray(), w => w.GetProperty("kind").GetString() == "5h");

        var active = json.GetProperty("activeSessions").EnumerateArray().ToList();
        Assert.Equal(truth.ByThread().Count, active.Count);
        Assert.All(active, s => Assert.InRange(s.GetProperty("contextUse").GetDouble(), 0.0, 1.0));

        var (code, table, stderr) = await TollgateProcess.RunAsync(Env(), "limits", "--no-ingest", "--active-minutes", "10000");
        Assert.True(code == 0, stderr);
        Assert.Contains("weekly", table);
        Assert.Contains("messages", table);
        Assert.Contains("Active Codex sessions", table);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AFileThatCannotBeRead_IsReported_AndEveryOtherFileIsIngested()
    {
        var truth = CodexHomeGenerator.Generate(CodexHome, new CodexHomeOptions { Seed = 8, Threads = 5, ArchivedCopies = false, Forks = false, SubAgents = false });
        var files = Directory.GetFiles(CodexHome, "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var locked = files[0];
        var lockedThread = Core.CodexLogs.RolloutReader.ThreadIdFromName(locked);

        // Everything readable by anyone except the one file (the tests may run as root: the CLI then runs as nobody).
        foreach (var dir in Directory.GetDirectories(_sandbox.Dir.FullName, "*", SearchOption.AllDirectories).Append(_sandbox.Dir.FullName))
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        }

        foreach (var file in files)
        {
            File.SetUnixFileMode(file, file == locked ? UnixFileMode.None : (UnixFileMode)0b110_100_100);
        }

        var (code, stdout, stderr) = await TollgateProcess.RunUnprivilegedAsync(Env(), "ingest", "--json");

        Assert.True(code == 0, stderr);
        var report = JsonDocument.Parse(stdout).RootElement;
        var problem = Assert.Single(report.GetProperty("problems").EnumerateArray()).GetString();
        Assert.Contains(locked, problem);
        Assert.Equal(truth.Calls.Count(c => c.ThreadId != lockedThread), report.GetProperty("callsAdded").GetInt32());
    }

    [Fact]
    public async Task Ingest_OnATerminal_ShowsAProgressBar()
    {
        CodexHomeGenerator.Generate(CodexHome, new CodexHomeOptions { Seed = 2, Threads = 10 });

        var env = Env();
        env["TERM"] = "xterm-256color"; // what a terminal emulator sets
        var (code, output) = await TollgateProcess.RunInTerminalAsync(env, prompt: "", typed: "", "ingest");

        Assert.True(code == 0, output);
        Assert.Contains("Reading Codex session logs", output);
        Assert.Contains("new call(s)", output);
    }
}
