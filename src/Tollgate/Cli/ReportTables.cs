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
        var table = NewTable($"{title} ({report.TimeZone.Id})", view, header);
        foreach (var row in report.Rows)
        {
            table.AddRow(Row(view, [row.Key], string.Join(", ", row.Models.Keys), row.Totals, Style.Plain));
            AddBreakdown(table, view, 1, row.Models);
        }

        Finish(console, table, view, 1, report.Totals, report.Rows.SelectMany(r => r.Models));
    }

    public static void WriteSessions(IAnsiConsole console, SessionReport report, ReportView view)
    {
        if (report.Sessions.Count == 0)
        {
            Empty(console);
            return;
        }

        var table = NewTable($"Usage per session ({report.TimeZone.Id})", view, view.Compact ? ["Session", "Last activity"] : ["Session", "Last activity", "Directory"]);
        foreach (var session in report.Sessions)
        {
            var last = TimeZoneInfo.ConvertTime(session.LastActivity, report.TimeZone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            string[] leading = view.Compact ? [session.SessionId, last] : [session.SessionId, last, session.Codex?.Cwd ?? ""];
            table.AddRow(Row(view, leading, string.Join(", ", session.Models.Keys), session.Totals, Style.Plain));
            AddBreakdown(table, view, leading.Length, session.Models);
        }

        Finish(console, table, view, view.Compact ? 2 : 3, report.Totals, report.Sessions.SelectMany(s => s.Models));
    }

    private static void Empty(IAnsiConsole console) =>
        console.MarkupLine("[grey]No usage recorded in this range yet.[/] Point a client at the gateway (tollgate serve), or run Codex and then 'tollgate ingest'.");

    private static Table NewTable(string title, ReportView view, params string[] leading)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        foreach (var column in leading)
        {
            table.AddColumn(column);
        }

        table.AddColumn("Models");
        foreach (var header in NumberHeaders(view))
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        return table;
    }

    private static IEnumerable<string> NumberHeaders(ReportView view)
    {
        IEnumerable<string> headers = view.Compact
            ? ["Input", "Output", "Total"]
            : ["Requests", "Input", "Cache read", "Cache write", "Output", "Reasoning", "Total"];
        return view.ShowCost ? headers.Append("Cost (USD)") : headers;
    }

    private static void AddBreakdown(Table table, ReportView view, int leading, IReadOnlyDictionary<string, UsageTotals> models)
    {
        if (!view.Breakdown)
        {
            return;
        }

        foreach (var (model, totals) in models)
        {
            table.AddRow(Row(view, new string[leading], $"  └ {model}", totals, Style.Dim));
        }
    }

    private static void Finish(IAnsiConsole console, Table table, ReportView view, int leading, UsageTotals totals, IEnumerable<KeyValuePair<string, UsageTotals>> models)
    {
        table.AddEmptyRow();
        var first = new string[leading];
        first[0] = "Total";
        table.AddRow(Row(view, first, "", totals, Style.Bold));
        console.Write(table);
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

    private enum Style
    {
        Plain,
        Bold,
        Dim,
    }

    private static IRenderable[] Row(ReportView view, string?[] leading, string models, UsageTotals t, Style style)
    {
        string Fmt(string? s) => style switch
        {
            Style.Bold => $"[bold]{Markup.Escape(s ?? "")}[/]",
            Style.Dim => $"[grey]{Markup.Escape(s ?? "")}[/]",
            _ => Markup.Escape(s ?? ""),
        };
        string N(long n) => Fmt(n.ToString("N0", CultureInfo.InvariantCulture));
        var cells = leading.Select(Fmt).Append(Fmt(models)).ToList();
        cells.AddRange(view.Compact
            ? [N(t.Tokens.UncachedInputTokens), N(t.Tokens.OutputTokens), N(t.Tokens.TotalTokens)]
            : [N(t.Requests), N(t.Tokens.UncachedInputTokens), N(t.Tokens.CachedInputTokens), N(t.Tokens.CacheWriteTokens), N(t.Tokens.OutputTokens), N(t.Tokens.ReasoningTokens), N(t.Tokens.TotalTokens)]);
        if (view.ShowCost)
        {
            cells.Add(Fmt(Cost(t)));
        }

        return cells.Select(c => (IRenderable)new Markup(c)).ToArray();
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
