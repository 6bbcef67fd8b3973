using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary>Spectre tables for reports on a terminal.</summary>
internal static class ReportTables
{
    public static void WriteDaily(IAnsiConsole console, DailyReport report, bool breakdown)
    {
        if (report.Days.Count == 0)
        {
            console.MarkupLine("[grey]No usage recorded in this range yet.[/] Point a client at the gateway (tollgate serve) and try again.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"Daily usage ({Markup.Escape(report.TimeZone.Id)})");
        table.AddColumn("Date");
        table.AddColumn("Models");
        foreach (var header in new[] { "Requests", "Input", "Cache read", "Cache write", "Output", "Reasoning", "Total", "Cost (USD)" })
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        foreach (var day in report.Days)
        {
            table.AddRow(Row(day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), string.Join(", ", day.Models.Keys), day.Totals, bold: false));
            if (breakdown)
            {
                foreach (var (model, totals) in day.Models)
                {
                    table.AddRow(Row("", $"  └ {model}", totals, bold: false, dim: true));
                }
            }
        }

        table.AddEmptyRow();
        table.AddRow(Row("Total", "", report.Totals, bold: true));
        console.Write(table);
        if (report.Totals.UnpricedRequests > 0)
        {
            console.MarkupLine($"[yellow]{report.Totals.UnpricedRequests} request(s) used models without a price: their cost is not included.[/] Set one in [[pricing.models]].");
        }

        if (report.Totals.UnknownUsageRequests > 0)
        {
            console.MarkupLine($"[yellow]{report.Totals.UnknownUsageRequests} request(s) ended without usage from the upstream: their tokens are unknown, not zero.[/]");
        }
    }

    private static IRenderable[] Row(string date, string models, UsageTotals t, bool bold, bool dim = false)
    {
        string Fmt(string s) => bold ? $"[bold]{Markup.Escape(s)}[/]" : dim ? $"[grey]{Markup.Escape(s)}[/]" : Markup.Escape(s);
        string N(long n) => Fmt(n.ToString("N0", CultureInfo.InvariantCulture));
        var cost = t.CostUsd.ToString("0.00##", CultureInfo.InvariantCulture) + (t.UnpricedRequests > 0 ? "+" : "");
        return
        [
            new Markup(Fmt(date)), new Markup(Fmt(models)), new Markup(N(t.Requests)), new Markup(N(t.Tokens.UncachedInputTokens)),
            new Markup(N(t.Tokens.CachedInputTokens)), new Markup(N(t.Tokens.CacheWriteTokens)), new Markup(N(t.Tokens.OutputTokens)),
            new Markup(N(t.Tokens.ReasoningTokens)), new Markup(N(t.Tokens.TotalTokens)), new Markup(Fmt("$" + cost)),
        ];
    }
}
