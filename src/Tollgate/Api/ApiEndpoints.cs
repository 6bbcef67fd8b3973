using System.Text.Json;
using Tollgate.Cli;
using Tollgate.Core.Accounts;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Configuration;
using Tollgate.Core.Pricing;
using Tollgate.Core.Routing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage.Queries;
using Tollgate.Core.Usage.Reports;
using Tollgate.Hosting;

namespace Tollgate.Api;

/// <summary>
/// The JSON API under <c>/api</c> (documented in the README): usage totals, series and
/// breakdowns over any range, the events, accounts, limits and sessions, the settings and the
/// prices, and the live feed. Every route goes through <see cref="ApiGuard"/>; errors are
/// problem details. <c>/api</c> is never forwarded upstream, not even an unknown path under it.
/// </summary>
internal static class ApiEndpoints
{
    /// <summary>How long ago a Codex session may have done something and still count as active.</summary>
    public static readonly TimeSpan ActiveWithin = TimeSpan.FromMinutes(30);

    public static void MapTollgateApi(this WebApplication app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(ApiGuard.FilterAsync).AddEndpointFilter(ApiProblems.FilterAsync);

        api.MapGet("/summary", async (HttpRequest request, UsageQueries queries, TimeProvider time, CancellationToken ct) =>
        {
            var range = ApiQuery.Range(request, time.GetUtcNow());
            var summary = await queries.SummaryAsync(range, ApiQuery.Source(request), ct);
            return Results.Json(new
            {
                range = ApiQuery.RangeView(range),
                totals = summary.Totals,
                previous = summary.Previous,
                change = summary.Change,
                byModel = summary.ByModel,
                bySource = summary.BySource,
                byAccount = summary.ByAccount,
                byEffort = summary.ByEffort,
                forecast = summary.Forecast,
            });
        });

        api.MapGet("/timeseries", async (HttpRequest request, UsageQueries queries, TimeProvider time, CancellationToken ct) =>
        {
            var range = ApiQuery.Range(request, time.GetUtcNow());
            var bucket = Enum.Parse<SeriesBucket>(ApiQuery.Choice(request, "bucket", range.DefaultBucket.ToString().ToLowerInvariant(), "hour", "day", "week", "month"), ignoreCase: true);
            var metric = ApiQuery.Choice(request, "metric", "tokens", "tokens", "cost");
            var points = await queries.TimeseriesAsync(range, bucket, ApiQuery.Source(request), ct);
            return Results.Json(new
            {
                range = ApiQuery.RangeView(range),
                bucket = bucket.ToString().ToLowerInvariant(),
                metric,
                points = points.Select(p => new
                {
                    start = p.Start,
                    value = metric == "cost" ? p.Figures.CostUsd : p.Figures.TotalTokens,
                    requests = p.Figures.Requests,
                    inputTokens = p.Figures.InputTokens,
                    cachedInputTokens = p.Figures.CachedInputTokens,
                    outputTokens = p.Figures.OutputTokens,
                    reasoningTokens = p.Figures.ReasoningTokens,
                    totalTokens = p.Figures.TotalTokens,
                    costUsd = p.Figures.CostUsd,
                }),
            });
        });

        api.MapGet("/breakdown", async (HttpRequest request, UsageQueries queries, TimeProvider time, CancellationToken ct) =>
        {
            var range = ApiQuery.Range(request, time.GetUtcNow());
            var models = await queries.ByModelAsync(range, ApiQuery.Source(request), ct);
            return Results.Json(new { range = ApiQuery.RangeView(range), models = models.Select(m => new { model = m.Key, figures = m.Figures }) });
        });

        api.MapGet("/breakdown/tokens", async (HttpRequest request, UsageQueries queries, TimeProvider time, CancellationToken ct) =>
        {
            var range = ApiQuery.Range(request, time.GetUtcNow());
            var models = await queries.ByModelAsync(range, ApiQuery.Source(request), ct);
            return Results.Json(new
            {
                range = ApiQuery.RangeView(range),
                models = models.Select(m => new
                {
                    model = m.Key,
                    input = m.Figures.UncachedInputTokens,
                    cachedInput = m.Figures.CachedInputTokens,
                    cacheWrite = m.Figures.CacheWriteTokens,
                    output = m.Figures.OutputTokens - m.Figures.ReasoningTokens,
                    reasoning = m.Figures.ReasoningTokens,
                    total = m.Figures.TotalTokens,
                }),
            });
        });

        api.MapGet("/breakdown/costs", async (HttpRequest request, UsageQueries queries, TimeProvider time, CancellationToken ct) =>
        {
            var range = ApiQuery.Range(request, time.GetUtcNow());
            var models = await queries.CostsByModelAsync(range, ApiQuery.Source(request), ct);
            return Results.Json(new { range = ApiQuery.RangeView(range), models });
        });

        api.MapGet("/events", async (HttpRequest request, SqliteUsageStore store, TimeProvider time, CancellationToken ct) =>
        {
            var range = ApiQuery.Range(request, time.GetUtcNow(), "alltime");
            var page = new RecordPage(range.From, range.Until, ApiQuery.Int(request, "limit", 100, 1, 1000), ApiQuery.Int(request, "offset", 0, 0, int.MaxValue))
            {
                Source = ApiQuery.Source(request),
                Model = ApiQuery.Text(request, "model"),
                Account = ApiQuery.Text(request, "account"),
                Failed = ApiQuery.One(request, "status") is null ? null : ApiQuery.Choice(request, "status", null, "ok", "error") == "error",
            };
            var records = await store.ReadPageAsync(page, ct);
            return Results.Json(new { range = ApiQuery.RangeView(range), limit = page.Limit, offset = page.Offset, events = records.Select(ApiQuery.EventView) });
        });

        api.MapGet("/live", LiveEvents.StreamAsync);

        api.MapGet("/accounts", (AccountRuntime accounts) => Results.Json(new
        {
            accounts = accounts.Router.Snapshot().Select(x => new
            {
                id = x.Account.Id,
                name = x.Account.Name,
                provider = ProviderKinds.Name(x.Account.Provider),
                baseUrl = x.Account.BaseUrl,
                pool = x.Account.PoolName,
                enabled = x.Account.Enabled,
                keyFingerprint = x.Account.KeyFingerprint,
                health = new
                {
                    state = HealthNames.Of(x.Health.State),
                    until = x.Health.Until,
                    reason = x.Health.Reason,
                    utilization = x.Health.Utilization,
                    lastMoveAt = x.Health.LastMoveAt,
                },
                usage = new
                {
                    tokensToday = x.Health.TokensToday,
                    tokensThisMonth = x.Health.TokensThisMonth,
                    costUsdToday = x.Health.UsdToday,
                    costUsdThisMonth = x.Health.UsdThisMonth,
                },
                limits = new
                {
                    dailyTokens = x.Account.Limits.DailyTokens,
                    monthlyTokens = x.Account.Limits.MonthlyTokens,
                    dailyUsd = x.Account.Limits.DailyUsd,
                    monthlyUsd = x.Account.Limits.MonthlyUsd,
                },
            }),
        }));

        api.MapGet("/limits", async (HttpContext http, SqliteUsageStore store, TimeProvider time, CancellationToken ct) =>
        {
            var report = await LimitsReport.BuildAsync(store, time.GetUtcNow(), ActiveWithin, ct);
            http.Response.ContentType = "application/json; charset=utf-8";
            await LimitsCommand.WriteJsonAsync(http.Response.Body, report, ct);
        });

        api.MapGet("/sessions", async (HttpRequest request, SqliteUsageStore store, TimeProvider time, CancellationToken ct) =>
        {
            var active = ApiQuery.Bool(request, "active") ?? false;
            var search = ApiQuery.Text(request, "q");
            var limit = ApiQuery.Int(request, "limit", 100, 1, 10_000);
            var sessions = await store.ReadCodexSessionsAsync(active ? time.GetUtcNow() - ActiveWithin : null, ct);
            var shown = sessions
                .Where(s => s.Matches(search))
                .OrderByDescending(s => s.LastActivity)
                .Take(limit)
                .Select(s => new
                {
                    id = s.Id,
                    home = s.Home,
                    cwd = s.Cwd,
                    originator = s.Originator,
                    cliVersion = s.CliVersion,
                    model = s.Model,
                    effort = s.Effort,
                    forkedFrom = s.ForkedFrom,
                    firstPrompt = s.FirstPrompt,
                    startedAt = s.StartedAt,
                    lastActivity = s.LastActivity,
                    calls = s.Calls,
                    totalTokens = s.TotalTokens,
                    contextWindow = s.ContextWindow,
                    lastInputTokens = s.LastInputTokens,
                    contextUse = s.ContextUse,
                });
            return Results.Json(new { active, sessions = shown });
        });

        api.MapPost("/ingest/run", async (CodexLogService logs, CancellationToken ct) =>
        {
            var (report, homes) = await logs.RunNowAsync(ct);
            return Results.Json(new
            {
                homes,
                filesSeen = report.FilesSeen,
                filesRead = report.FilesRead,
                filesUnchanged = report.FilesUnchanged,
                filesRestarted = report.FilesRestarted,
                duplicateCopies = report.DuplicateCopies,
                callsAdded = report.CallsAdded,
                malformedLines = report.MalformedLines,
                oversizedLines = report.OversizedLines,
                problems = report.Problems,
                elapsedMs = Math.Round(report.ElapsedMs, 1),
            });
        });

        api.MapGet("/settings", SettingsAsync);
        api.MapPut("/settings", async (HttpContext http, SqliteDatabase database, AppPaths paths, TollgateConfig config, SqliteUsageStore store, AccountRuntime accounts, TimeProvider time, CancellationToken ct) =>
        {
            var body = await ReadBodyAsync(http, ct);
            if (!body.TryGetProperty("codexHomes", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return ApiProblems.BadParameter("codexHomes", "the body must be {\"codexHomes\": [\"/path/to/.codex\", …]}: the homes added besides the config's");
            }

            var wanted = new List<string>();
            foreach (var item in list.EnumerateArray())
            {
                var (dir, error) = CodexHomeSettings.Check(item.ValueKind == JsonValueKind.String ? item.GetString() : item.ToString());
                if (dir is null)
                {
                    return ApiProblems.BadParameter("codexHomes", error!);
                }

                wanted.Add(dir);
            }

            var homes = new CodexHomes(database, time);
            var added = await homes.ListAddedAsync(ct);
            foreach (var dir in wanted.Except(added))
            {
                await homes.AddAsync(dir, ct);
            }

            foreach (var dir in added.Except(wanted))
            {
                await homes.RemoveAsync(dir, ct);
            }

            return await SettingsAsync(database, paths, config, store, accounts, time, ct);
        });

        api.MapGet("/pricing", async (PriceEditor prices, CancellationToken ct) => Results.Json(await prices.ListAsync(ct), PricingJson));
        api.MapPut("/pricing", async (HttpContext http, PriceEditor prices, CancellationToken ct) =>
        {
            var body = await ReadBodyAsync(http, ct);
            if (!body.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object)
            {
                return ApiProblems.BadParameter("models", "the body must be {\"models\": {\"<model>\": {\"input\": …, \"cachedInput\": …, \"output\": …, \"cacheWrite\": …} or null}}");
            }

            var changes = new Dictionary<string, ModelPrice?>(StringComparer.OrdinalIgnoreCase);
            foreach (var model in models.EnumerateObject())
            {
                changes[model.Name] = model.Value.ValueKind == JsonValueKind.Null ? null : ReadPrice(model.Name, model.Value);
            }

            await prices.UpdateAsync(changes, ct);
            return Results.Json(await prices.ListAsync(ct), PricingJson);
        });
        api.MapPost("/pricing/import", async (HttpContext http, PriceEditor prices, CancellationToken ct) =>
            Results.Json(new { imported = await prices.ImportLiteLlmAsync(http.Request.Body, ct) }));
        api.MapPost("/pricing/recompute", async (PriceEditor prices, CancellationToken ct) =>
        {
            var started = TimeProvider.System.GetTimestamp();
            var records = await prices.RecomputeAsync(null, ct);
            return Results.Json(new { records, elapsedMs = Math.Round(TimeProvider.System.GetElapsedTime(started).TotalMilliseconds, 1) });
        });

        api.Map("/{**rest}", (HttpRequest request) => ApiProblems.NotFound($"no API route {request.Method} {request.Path}"));
    }

    /// <summary>How <c>/api/pricing</c> writes a price list (and <c>tollgate pricing list --json</c>, the same).</summary>
    public static readonly JsonSerializerOptions PricingJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private static async Task<IResult> SettingsAsync(SqliteDatabase database, AppPaths paths, TollgateConfig config, SqliteUsageStore store, AccountRuntime accounts, TimeProvider time, CancellationToken ct)
    {
        return Results.Json(new
        {
            codexHomes = await CodexHomeSettings.ListAsync(database, paths, config, store, time, ct),
            paths = new
            {
                config = paths.ConfigFile,
                data = paths.DataDir,
                database = paths.DatabasePath,
                logs = paths.LogsDir,
            },
            server = new { host = config.Server.Host, port = config.Server.Port },
            clientKeysRequired = accounts.RequireClientKeys,
        });
    }

    private static ModelPrice ReadPrice(string model, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new PriceEditException("models", $"the price of {model} must be an object or null");
        }

        decimal? Field(string name, bool required)
        {
            if (!value.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return required ? throw new PriceEditException(name, $"{name} of {model} is required (USD per 1M tokens)") : null;
            }

            return v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d) ? d : throw new PriceEditException(name, $"{name} of {model} must be a number");
        }

        var input = Field("input", true)!.Value;
        return new ModelPrice(input, Field("cachedInput", false) ?? input, Field("output", true)!.Value, Field("cacheWrite", false));
    }

    private static async Task<JsonElement> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new QueryParameterException("body", "the body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new QueryParameterException("body", $"the body is not valid JSON: {e.Message}");
        }
    }
}
