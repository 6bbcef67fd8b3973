using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.Pricing;
using Tollgate.Core.Usage;
using Tollgate.Testing;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Api;

/// <summary>
/// A gateway whose store holds a generated set of records, with the clock stopped at the
/// generator's end; tests ask the API and add the same records up themselves.
/// </summary>
internal sealed class ApiFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new UsageRecordGenerator().End;

    private ApiFixture(TestGateway gateway, IReadOnlyList<UsageRecord> records, FakeTimeProvider time)
    {
        Gateway = gateway;
        Records = records;
        Time = time;
        Http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };
    }

    public TestGateway Gateway { get; }

    /// <summary>The generated records, priced as the gateway priced them.</summary>
    public IReadOnlyList<UsageRecord> Records { get; }
    public FakeTimeProvider Time { get; }
    public HttpClient Http { get; }

    public static async Task<ApiFixture> StartAsync(string? openAiBase = null, int count = 2000)
    {
        var time = new FakeTimeProvider(Now);
        var gateway = await TestGateway.StartAsync(openAiBase, settings: s => s with { Time = time });
        var prices = (PriceTable)gateway.Services.GetService(typeof(PriceTable))!;
        var records = new UsageRecordGenerator { Count = count }.Generate()
            .Select(r => r.Usage is { } u ? r with { CostUsd = prices.Cost(r.Model, u, r.ServiceTier) is { } c ? decimal.Round(c, 12) : null } : r)
            .ToList();
        foreach (var batch in records.Chunk(500))
        {
            await gateway.Store.AppendAsync(batch, CancellationToken.None);
        }

        return new ApiFixture(gateway, records, time);
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The records that count in [from, until) from a source (null = both).</summary>
    public IEnumerable<UsageRecord> Between(DateTimeOffset? from, DateTimeOffset? until, string? source = null) =>
        Records.Where(r => (from is null || r.Time >= from) && (until is null || r.Time < until) && (source is null || r.Source == source));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Gateway.DisposeAsync();
    }
}

/// <summary>The figures the API reports for a set of records, added up the plain way.</summary>
internal sealed record Expected(long Requests, long Input, long Cached, long CacheWrite, long Output, long Reasoning, decimal Cost, long Unpriced, long Unknown)
{
    public static Expected Of(IEnumerable<UsageRecord> records)
    {
        var list = records.ToList();
        return new Expected(
            list.Count,
            list.Sum(r => r.Usage?.InputTokens ?? 0),
            list.Sum(r => r.Usage?.CachedInputTokens ?? 0),
            list.Sum(r => r.Usage?.CacheWriteTokens ?? 0),
            list.Sum(r => r.Usage?.OutputTokens ?? 0),
            list.Sum(r => r.Usage?.ReasoningTokens ?? 0),
            list.Sum(r => r.CostUsd ?? 0),
            list.Count(r => r.Usage is not null && r.CostUsd is null),
            list.Count(r => r.UsageState == UsageState.Unknown));
    }

    /// <summary>Reads the API's figures object (<c>UsageFigures</c> as JSON).</summary>
    public static Expected Read(JsonElement f) => new(
        f.GetProperty("requests").GetInt64(),
        f.GetProperty("inputTokens").GetInt64(),
        f.GetProperty("cachedInputTokens").GetInt64(),
        f.GetProperty("cacheWriteTokens").GetInt64(),
        f.GetProperty("outputTokens").GetInt64(),
        f.GetProperty("reasoningTokens").GetInt64(),
        f.GetProperty("costUsd").GetDecimal(),
        f.GetProperty("unpricedRequests").GetInt64(),
        f.GetProperty("unknownUsageRequests").GetInt64());
}
