using System.Diagnostics;
using System.Globalization;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage.Queries;
using Tollgate.Testing;

namespace Tollgate.Bench;

/// <summary>The JSON API's latency over a large store, measured through HTTP against a running <c>tollgate serve</c>.</summary>
internal static class ApiLatency
{
    private const int Calls = 20;

    public static async Task GenerateStoreAsync(string dataDir, int count)
    {
        Directory.CreateDirectory(dataDir);
        var store = new SqliteUsageStore(Path.Combine(dataDir, "tollgate.db"));
        await store.MigrateAsync(CancellationToken.None);
        var prices = PriceTable.Create(null);
        var clock = Stopwatch.StartNew();
        var generator = new UsageRecordGenerator { Count = count, Days = 365, End = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero) };
        foreach (var batch in generator.Generate().Chunk(5000))
        {
            await store.AppendAsync(
                batch.Select(r => r.Usage is { } u ? r with { CostUsd = prices.Cost(r.Model, u, r.ServiceTier) } : r).ToList(),
                CancellationToken.None);
        }

        Console.WriteLine($"{count} records in {clock.Elapsed.TotalSeconds:0.0} s: {Path.Combine(dataDir, "tollgate.db")}");
    }

    public static async Task RunAsync(string baseUrl)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        var paths = new List<string>();
        foreach (var range in UsageRange.Names)
        {
            foreach (var tz in new[] { "UTC", "Europe/Berlin", "Asia/Kolkata" })
            {
                var q = $"range={range}&tz={tz}";
                paths.Add($"/api/summary?{q}");
                paths.Add($"/api/timeseries?{q}");
                paths.Add($"/api/breakdown?{q}");
                paths.Add($"/api/breakdown/tokens?{q}");
                paths.Add($"/api/breakdown/costs?{q}");
                paths.Add($"/api/events?{q}&limit=100");
            }
        }

        paths.Add("/api/summary?start=2026-03-03T10:17:00Z&end=2026-09-20T23:59:59Z");
        paths.Add("/api/timeseries?range=last30days&bucket=hour");
        paths.Add("/api/timeseries?range=alltime&bucket=day");
        paths.Add("/api/events?limit=100&offset=500000");
        paths.Add("/api/events?model=gpt-5-mini&account=work&limit=100");
        paths.Add("/api/accounts");
        paths.Add("/api/limits");
        paths.Add("/api/sessions?active=true");
        paths.Add("/api/settings");
        paths.Add("/api/pricing");

        var worst = new List<(string Path, double Median, double P95, double Max)>();
        foreach (var path in paths)
        {
            (await http.GetAsync(path)).EnsureSuccessStatusCode(); // warm-up
            var times = new List<double>();
            for (var i = 0; i < Calls; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path);
                await response.Content.ReadAsByteArrayAsync();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                response.EnsureSuccessStatusCode();
            }

            times.Sort();
            worst.Add((path, times[Calls / 2], times[(int)(Calls * 0.95) - 1], times[^1]));
        }

        Console.WriteLine($"{paths.Count} paths × {Calls} calls; slowest first (ms: median, p95, max)");
        foreach (var (path, median, p95, max) in worst.OrderByDescending(w => w.P95).Take(25))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{median,8:0.0} {p95,8:0.0} {max,8:0.0}  {path}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"paths with p95 over 50 ms: {worst.Count(w => w.P95 > 50)} of {worst.Count}"));
    }
}
