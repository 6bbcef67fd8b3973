using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary>Spectre tables for reports on a terminal.</summary>
internal static class ReportTables
{
    public static void WritePeriods(IAnsiConsole console, PeriodReport report, ReportView view)
    {
        if (report.Rows.Count == 0)
        {
            Empty(console);
            return;
        }

        var (title, header) = report.Period switch
        {
            ReportPeriod.Weekly => ("Weekly usage", "Week"),
            ReportPeriod.Monthly => ("Monthly usage", "Month"),
            _ => ("Daily usage", "Date"),
        };
        var table = NewTable($"{title} ({report.TimeZone.Id})", view, report.Rows.Count + (view.Breakdown ? report.Rows.Sum(r => r.Models.Count) : 0), uncut: 1, header);
        foreach (var row in report.Rows)
        {
            table.Add(Cells(view, [row.Key], string.Join(", ", row.Models.Keys), row.Totals), RowStyle.Plain);
            AddBreakdown(table, view, 1, row.Models);
        }

        Finish(console, table, view, 1, report.Totals, report.Rows.Select(r => r.Models));
    }

    public static void WriteSessions(IAnsiConsole console, SessionReport report, ReportView view)
    {
        if (report.Sessions.Count == 0)
        {
            Empty(console);
            return;
        }

        var rows = report.Sessions.Count + (view.Breakdown ? report.Sessions.Sum(s => s.Models.Count) : 0);
        // A long table is fitted by cutting the directory and the models first; the session's time only if that is not enough.
        var table = NewTable($"Usage per session ({report.TimeZone.Id})", view, rows, uncut: 2, view.Compact ? ["Session", "Last activity"] : ["Session", "Last activity", "Directory"]);
        foreach (var session in report.Sessions)
        {
            var last = TimeZoneInfo.ConvertTime(session.LastActivity, report.TimeZone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            string[] leading = view.Compact ? [session.SessionId, last] : [session.SessionId, last, session.Codex?.Cwd ?? ""];
            table.Add(Cells(view, leading, string.Join(", ", session.Models.Keys), session.Totals), RowStyle.Plain);
            AddBreakdown(table, view, leading.Length, session.Models);
        }

        Finish(console, table, view, view.Compact ? 2 : 3, report.Totals, report.Sessions.Select(s => s.Models));
    }

    private static void Empty(IAnsiConsole console) =>
        console.MarkupLine("[grey]No usage recorded in this range yet.[/] Point a client at the gateway (tollgate serve), or run Codex and then 'tollgate ingest'.");

    /// <summary>Above this many rows a report is written line by line (<see cref="LineTable"/>): Spectre's layout of the whole table grows with it.</summary>
    internal const int LineTableRows = 2_000;

    /// <param name="uncut">How many leading columns keep their whole text when a long table is fitted to the terminal.</param>
    private static ReportTable NewTable(string title, ReportView view, int rows, int uncut, params string[] leading)
    {
        var headers = leading.Append("Models").Concat(NumberHeaders(view)).ToList();
        if (rows > LineTableRows)
        {
            return new ReportTable(null, new LineTable(title, headers, leading.Length + 1, uncut));
        }

        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        foreach (var (header, i) in headers.Select((h, i) => (h, i)))
        {
            table.AddColumn(i <= leading.Length ? new TableColumn(header) : new TableColumn(header).RightAligned());
        }

        return new ReportTable(table, null);
    }

    /// <summary>A report's table: Spectre's, or written line by line for thousands of rows.</summary>
    private sealed class ReportTable(Table? table, LineTable? lines)
    {
        public void Add(string[] cells, RowStyle style)
        {
            if (lines is not null)
            {
                lines.AddRow(cells, style);
                return;
            }

            string Fmt(string s) => style switch
            {
                RowStyle.Bold => $"[bold]{Markup.Escape(s)}[/]",
                RowStyle.Dim => $"[grey]{Markup.Escape(s)}[/]",
                _ => Markup.Escape(s),
            };
            table!.AddRow(cells.Select(c => (IRenderable)new Markup(Fmt(c))).ToArray());
        }

        public void AddEmptyRow()
        {
            lines?.AddEmptyRow();
            table?.AddEmptyRow();
        }

        public void Write(IAnsiConsole console)
        {
            lines?.Write(console);
            if (table is not null)
            {
                console.Write(table);
            }
        }
    }

    private static IEnumerable<string> NumberHeaders(ReportView view)
    {
        IEnumerable<string> headers = view.Compact
            ? ["Input", "Output", "Total"]
            : ["Requests", "Input", "Cache read", "Cache write", "Output", "Reasoning", "Total"];
        return view.ShowCost ? headers.Append("Cost (USD)") : headers;
    }

    private static void AddBreakdown(ReportTable table, ReportView view, int leading, IReadOnlyDictionary<string, UsageTotals> models)
    {
        if (!view.Breakdown)
        {
            return;
        }

        foreach (var (model, totals) in models)
        {
            table.Add(Cells(view, new string[leading], $"  └ {model}", totals), RowStyle.Dim);
        }
    }

    private static void Finish(IAnsiConsole console, ReportTable table, ReportView view, int leading, UsageTotals totals, IEnumerable<IReadOnlyDictionary<string, UsageTotals>> models)
    {
        table.AddEmptyRow();
        var first = new string[leading];
        first[0] = "Total";
        table.Add(Cells(view, first, "", totals), RowStyle.Bold);
        table.Write(console);
        var unpriced = ReportJson.UnpricedModels(models);
        if (view.ShowCost && unpriced.Count > 0)
        {
            console.MarkupLine($"[yellow]{totals.UnpricedRequests} call(s) used models without a price ({Markup.Escape(string.Join(", ", unpriced))}): their cost is not included.[/] Set one in [[pricing.models]].");
        }

        if (totals.UnknownUsageRequests > 0)
        {
            console.MarkupLine($"[yellow]{totals.UnknownUsageRequests} request(s) ended without usage from the upstream: their tokens are unknown, not zero.[/]");
        }
    }

    private static string[] Cells(ReportView view, string?[] leading, string models, UsageTotals t)
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var cells = leading.Select(s => s ?? "").Append(models).ToList();
        cells.AddRange(view.Compact
            ? [N(t.Tokens.UncachedInputTokens), N(t.Tokens.OutputTokens), N(t.Tokens.TotalTokens)]
            : [N(t.Requests), N(t.Tokens.UncachedInputTokens), N(t.Tokens.CachedInputTokens), N(t.Tokens.CacheWriteTokens), N(t.Tokens.OutputTokens), N(t.Tokens.ReasoningTokens), N(t.Tokens.TotalTokens)]);
        if (view.ShowCost)
        {
            cells.Add(Cost(t));
        }

        return [.. cells];
    }

    /// <summary>The cost, "unpriced" when nothing in it has a price, and a "+" when part of it is missing.</summary>
    private static string Cost(UsageTotals t)
    {
        var priced = t.Requests - t.UnpricedRequests - t.UnknownUsageRequests;
        if (t.UnpricedRequests > 0 && priced <= 0 && t.CostUsd == 0)
        {
            return "unpriced";
        }

        return "$" + t.CostUsd.ToString("0.00##", CultureInfo.InvariantCulture) + (t.UnpricedRequests > 0 ? "+" : "");
    }
}
