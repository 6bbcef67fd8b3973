using Spectre.Console;
using Tollgate.Cli;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Tests.Cli;

/// <summary>Report tables on a terminal: Spectre's for ordinary reports, written line by line for thousands of rows.</summary>
public sealed class ReportTablesTests
{
    private static (IAnsiConsole Console, StringWriter Text) Terminal(int width)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(text) });
        console.Profile.Width = width;
        return (console, text);
    }

    private static SessionReport Sessions(int count, string model = "gpt-5.1-codex-with-a-very-long-model-name-indeed")
    {
        var sessions = new List<SessionRow>();
        var all = new UsageTotals();
        for (var i = 0; i < count; i++)
        {
            var tokens = new SummaryTotals(2, new TokenUsage(1_000 + i, 0, 0, 10, 0), 0.01m, 0, 0);
            var totals = new UsageTotals();
            totals.Add(tokens);
            all.Add(tokens);
            var modelTotals = new UsageTotals();
            modelTotals.Add(tokens);
            var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero).AddMinutes(i);
            sessions.Add(new SessionRow($"session-{i:D5}", at, at, totals, new Dictionary<string, UsageTotals> { [model] = modelTotals }, null));
        }

        return new SessionReport(sessions, all, TimeZoneInfo.Utc);
    }

    [Fact]
    public void ThousandsOfSessions_AreWrittenLineByLine_FittedToTheTerminal()
    {
        var (console, text) = Terminal(150);
        var count = ReportTables.LineTableRows + 500;

        ReportTables.WriteSessions(console, Sessions(count), new ReportView(Breakdown: false, ShowCost: true, Compact: false));

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var table = lines.SkipWhile(l => !l.StartsWith('╭')).ToList();
        Assert.Equal(count + 6, table.Count); // top border, header, separator, the sessions, an empty row, the total, bottom border
        Assert.All(table, l => Assert.Equal(table[0].Length, l.Length));
        Assert.True(table[0].Length <= 150, table[0]);
        Assert.Contains("│ session-00000 ", table[3], StringComparison.Ordinal);
        Assert.Contains("…", table[3], StringComparison.Ordinal); // the model name cut to fit
        Assert.Contains($"session-{count - 1:D5}", table[count + 2], StringComparison.Ordinal);
        Assert.StartsWith("│ Total", table[^2], StringComparison.Ordinal);
        Assert.Contains($"{2 * count:N0}", table[^2], StringComparison.Ordinal); // requests, right-aligned under their header
        Assert.EndsWith("$25.00 │", table[^2], StringComparison.Ordinal); // 2,500 sessions at $0.01
    }

    [Fact]
    public void ALongTable_CutsTheModelsBeforeTheTime_AndTheTimeOnlyWhenItMust()
    {
        string Row(int width)
        {
            var (console, text) = Terminal(width);
            ReportTables.WriteSessions(console, Sessions(ReportTables.LineTableRows + 1), new ReportView(Breakdown: false, ShowCost: true, Compact: true));
            return text.ToString().Split('\n').First(l => l.Contains("session-00000", StringComparison.Ordinal));
        }

        var wide = Row(96); // 133 columns uncut, 93 with the models as narrow as they go
        Assert.Contains("│ session-00000 │ 2026-11-23 10:00 │ gpt-5.1-", wide, StringComparison.Ordinal); // the time whole, the model cut
        Assert.Contains("…", wide, StringComparison.Ordinal);
        Assert.True(wide.TrimEnd().Length <= 96, wide);

        var narrow = Row(88);
        Assert.Contains("│ session-00000 │ 2026-11-23… │ gpt-5.1… │", narrow, StringComparison.Ordinal);
        Assert.True(narrow.TrimEnd().Length <= 88, narrow);
    }

    [Theory]
    [InlineData("東京東京東京東京東京", "東京東… ", 8)] // the cut meets a two-cell character: it stays whole, a space fills the cell left
    [InlineData("🚀🚀🚀🚀🚀🚀", "🚀🚀🚀… ", 8)]
    [InlineData("é\u0085 ok", "é\u0085 ok  ", 6)] // Spectre gives no width for a text with a control character: counted one by one
    public void ACellCutInALongTable_KeepsWholeCharacters_AndItsWidthInCells(string model, string shown, int width)
    {
        var (console, text) = Terminal(20);
        var table = new LineTable("t", ["A", "Models", "N"], textColumns: 2, uncut: 1);
        table.AddRow(["x", model, "1"], RowStyle.Plain);

        table.Write(console);

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).SkipWhile(l => !l.StartsWith('╭')).ToList();
        Assert.Equal($"│ x │ {shown} │ 1 │", lines[3]);
        Assert.Equal(new string('─', width + 2), lines[0].Split('┬')[1]); // the border is as wide as the row's cell
    }

    [Fact]
    public void ALongTableOnAColourTerminal_IsBoldAndGreyWhereSpectresWouldBe()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.Standard, Out = new AnsiConsoleOutput(text) });
        console.Profile.Width = 400;

        ReportTables.WriteSessions(console, Sessions(ReportTables.LineTableRows + 1), new ReportView(Breakdown: true, ShowCost: true, Compact: true));

        var lines = text.ToString().Split(Environment.NewLine);
        Assert.StartsWith("\e[1m│ Session ", lines.Single(l => l.Contains("│ Session ", StringComparison.Ordinal)), StringComparison.Ordinal); // the header
        Assert.StartsWith("│ session-00000 ", lines.Single(l => l.Contains("session-00000", StringComparison.Ordinal)), StringComparison.Ordinal); // a session, plain
        var breakdown = lines.First(l => l.Contains("└ gpt-5.1-codex", StringComparison.Ordinal));
        Assert.StartsWith("\e[90m│ ", breakdown, StringComparison.Ordinal); // a model under it, grey
        Assert.EndsWith("\e[0m", breakdown, StringComparison.Ordinal);
        Assert.StartsWith("\e[1m│ Total ", lines.Single(l => l.Contains("│ Total ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void AFewSessions_KeepSpectresTable_WithTheSameCells()
    {
        var (spectre, spectreText) = Terminal(400);
        var (lines, lineText) = Terminal(400);
        var view = new ReportView(Breakdown: true, ShowCost: true, Compact: true);

        ReportTables.WriteSessions(spectre, Sessions(3), view);
        ReportTables.WriteSessions(lines, Sessions(ReportTables.LineTableRows), view); // 2,000 rows and 2,000 breakdown rows: line by line

        static string[] Cells(string text, string session) =>
            text.Split('\n').First(l => l.Contains(session, StringComparison.Ordinal)).Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Cells(spectreText.ToString(), "session-00001"), Cells(lineText.ToString(), "session-00001"));
    }

    [Fact]
    public void WideCharactersInALongTable_AreMeasuredInTerminalCells_AndNeverSplit()
    {
        var (console, text) = Terminal(200);
        var model = "東京の実験モデル🚀-" + new string('x', 40) + "-終わり🚀🚀";

        ReportTables.WriteSessions(console, Sessions(ReportTables.LineTableRows + 1, model), new ReportView(Breakdown: false, ShowCost: true, Compact: false));

        var table = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).SkipWhile(l => !l.StartsWith('╭')).ToList();
        Assert.All(table, l => Assert.Equal(table[0].GetCellWidth(), l.GetCellWidth())); // the borders line up on a terminal
        Assert.True(table[0].GetCellWidth() <= 200, table[0]);
        Assert.Contains("│ 東京の実験モデル🚀-x", table[3], StringComparison.Ordinal);
        Assert.Contains("…", table[3], StringComparison.Ordinal);
        Assert.All(table, l => Assert.Equal(l, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(System.Text.Encoding.UTF8.GetBytes(l)))); // no half of an emoji
        Assert.DoesNotContain(table, l => l.Contains('\uFFFD', StringComparison.Ordinal));
    }
}
