using System.Globalization;
using System.Text.Json;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary>
/// JSON for reports, in ccusage's shapes and field names so scripts written for it keep
/// working: a <c>daily</c>, <c>weekly</c>, <c>monthly</c> or <c>sessions</c> array and a
/// <c>totals</c> object; <c>inputTokens</c> is input without cache reads or writes,
/// <c>cacheReadTokens</c>, <c>cacheCreationTokens</c>, <c>outputTokens</c> (reasoning
/// included), <c>reasoningOutputTokens</c>, <c>totalTokens</c> (each token once),
/// <c>costUSD</c>, and a <c>models</c> object per row. Extra fields say what is unpriced or
/// unknown, since those are not in the sums; <c>--no-cost</c> leaves every cost field out.
/// </summary>
internal static class ReportJson
{
    public static async Task WritePeriodsAsync(Stream stream, PeriodReport report, ReportView view, CancellationToken cancellationToken)
    {
        var (array, key) = report.Period switch
        {
            ReportPeriod.Weekly => ("weekly", "week"),
            ReportPeriod.Monthly => ("monthly", "month"),
            _ => ("daily", "date"),
        };
        await WriteAsync(stream, report.TimeZone, array, report.Totals, report.Rows.Select(r => r.Models), view, json =>
        {
            foreach (var row in report.Rows)
            {
                json.WriteStartObject();
                json.WriteString(key, row.Key);
                WriteRow(json, row.Totals, row.Models, view);
                json.WriteEndObject();
                FlushWhenFull(json);
            }
        }, cancellationToken);
    }

    public static async Task WriteSessionsAsync(Stream stream, SessionReport report, ReportView view, CancellationToken cancellationToken)
    {
        await WriteAsync(stream, report.TimeZone, "sessions", report.Totals, report.Sessions.Select(s => s.Models), view, json =>
        {
            foreach (var session in report.Sessions)
            {
                json.WriteStartObject();
                json.WriteString("sessionId", session.SessionId);
                json.WriteString("firstActivity", session.FirstActivity.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                json.WriteString("lastActivity", session.LastActivity.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                if (session.Codex is { } codex)
                {
                    json.WriteString("directory", codex.Cwd);
                    json.WriteString("sessionFile", Path.GetFileNameWithoutExtension(codex.File));
                    json.WriteString("codexHome", codex.Home);
                }

                WriteRow(json, session.Totals, session.Models, view);
                json.WriteEndObject();
                FlushWhenFull(json);
            }
        }, cancellationToken);
    }

    private static async Task WriteAsync(
        Stream stream,
        TimeZoneInfo zone,
        string array,
        UsageTotals totals,
        IEnumerable<IReadOnlyDictionary<string, UsageTotals>> models,
        ReportView view,
        Action<Utf8JsonWriter> rows,
        CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("timezone", zone.Id);
        json.WriteStartArray(array);
        rows(json);
        json.WriteEndArray();
        json.WriteStartObject("totals");
        WriteTotals(json, totals, view);
        json.WriteEndObject();
        if (view.ShowCost)
        {
            json.WriteStartArray("unpricedModels");
            foreach (var model in UnpricedModels(models))
            {
                json.WriteStringValue(model);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>
    /// Hands what is written so far to the stream once it fills a buffer: the writer otherwise
    /// keeps the whole document until the end (130 MB, and as much memory, for every session
    /// of a large store).
    /// </summary>
    private static void FlushWhenFull(Utf8JsonWriter json)
    {
        if (json.BytesPending >= 64 * 1024)
        {
            json.Flush();
        }
    }

    /// <summary>The models whose calls have no price, in name order.</summary>
    /// <param name="rows">Each row's models; a session's are looked at without making their totals.</param>
    public static IReadOnlyList<string> UnpricedModels(IEnumerable<IReadOnlyDictionary<string, UsageTotals>> rows)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var models in rows)
        {
            names.UnionWith(models is ModelTotals session
                ? session.Unpriced()
                : models.Where(m => m.Value.UnpricedRequests > 0).Select(m => m.Key));
        }

        return names.ToList();
    }

    private static void WriteRow(Utf8JsonWriter json, UsageTotals totals, IReadOnlyDictionary<string, UsageTotals> models, ReportView view)
    {
        WriteTotals(json, totals, view);
        json.WriteStartArray("modelsUsed");
        foreach (var model in models.Keys)
        {
            json.WriteStringValue(model);
        }

        json.WriteEndArray();
        json.WriteStartObject("models");
        foreach (var (model, perModel) in models)
        {
            json.WriteStartObject(model);
            WriteTotals(json, perModel, view);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteTotals(Utf8JsonWriter json, UsageTotals t, ReportView view)
    {
        json.WriteNumber("inputTokens", t.Tokens.UncachedInputTokens);
        json.WriteNumber("cachedInputTokens", t.Tokens.CachedInputTokens);
        json.WriteNumber("cacheReadTokens", t.Tokens.CachedInputTokens);
        json.WriteNumber("cacheCreationTokens", t.Tokens.CacheWriteTokens);
        json.WriteNumber("outputTokens", t.Tokens.OutputTokens);
        json.WriteNumber("reasoningOutputTokens", t.Tokens.ReasoningTokens);
        json.WriteNumber("totalTokens", t.Tokens.TotalTokens);
        if (view.ShowCost)
        {
            json.WriteNumber("costUSD", t.CostUsd);
            json.WriteNumber("totalCost", t.CostUsd);
            json.WriteNumber("unpricedRequests", t.UnpricedRequests);
        }

        json.WriteNumber("requests", t.Requests);
        json.WriteNumber("unknownUsageRequests", t.UnknownUsageRequests);
    }
}
