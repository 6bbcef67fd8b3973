using System.Globalization;
using System.Text.Json;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary>
/// JSON for reports, in ccusage's field names so scripts written for it keep working:
/// <c>inputTokens</c> is input without cache reads or writes, <c>cacheReadTokens</c>,
/// <c>cacheCreationTokens</c>, <c>outputTokens</c> (reasoning included),
/// <c>reasoningOutputTokens</c>, <c>totalTokens</c> (each token once), <c>costUSD</c>, a
/// <c>models</c> object per period and a <c>totals</c> object. Extra fields say what is
/// unpriced or unknown, since those are not in the sums.
/// </summary>
internal static class ReportJson
{
    public static async Task WriteDailyAsync(Stream stream, DailyReport report, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("timezone", report.TimeZone.Id);
        json.WriteStartArray("daily");
        foreach (var day in report.Days)
        {
            json.WriteStartObject();
            json.WriteString("date", day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            WriteTotals(json, day.Totals);
            json.WriteStartArray("modelsUsed");
            foreach (var model in day.Models.Keys)
            {
                json.WriteStringValue(model);
            }

            json.WriteEndArray();
            json.WriteStartObject("models");
            foreach (var (model, totals) in day.Models)
            {
                json.WriteStartObject(model);
                WriteTotals(json, totals);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("totals");
        WriteTotals(json, report.Totals);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    private static void WriteTotals(Utf8JsonWriter json, UsageTotals t)
    {
        json.WriteNumber("inputTokens", t.Tokens.UncachedInputTokens);
        json.WriteNumber("cachedInputTokens", t.Tokens.CachedInputTokens);
        json.WriteNumber("cacheReadTokens", t.Tokens.CachedInputTokens);
        json.WriteNumber("cacheCreationTokens", t.Tokens.CacheWriteTokens);
        json.WriteNumber("outputTokens", t.Tokens.OutputTokens);
        json.WriteNumber("reasoningOutputTokens", t.Tokens.ReasoningTokens);
        json.WriteNumber("totalTokens", t.Tokens.TotalTokens);
        json.WriteNumber("costUSD", t.CostUsd);
        json.WriteNumber("totalCost", t.CostUsd);
        json.WriteNumber("requests", t.Requests);
        json.WriteNumber("unpricedRequests", t.UnpricedRequests);
        json.WriteNumber("unknownUsageRequests", t.UnknownUsageRequests);
    }
}
