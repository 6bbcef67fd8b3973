using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Hosting;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Cli;

/// <summary><c>tollgate pricing</c> as a user runs it, and a running gateway taking its edits up.</summary>
public sealed class PricingCliTests : IDisposable
{
    private const string Model = "acme-coder-1";
    private readonly CliSandbox _sandbox = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sandbox.Dispose();

    private string Database => Path.Combine(_sandbox.Dir.FullName, "data", "tollgate.db");

    private async Task<string> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), args);
        Assert.True(code == 0, $"{string.Join(' ', args)}: {stderr}");
        return stdout;
    }

    private async Task<decimal> ReportedCostAsync()
    {
        var daily = JsonDocument.Parse(await RunAsync("usage", "daily", "--json", "--no-ingest", "--timezone", "UTC")).RootElement;
        return daily.GetProperty("totals").GetProperty("costUSD").GetDecimal();
    }

    [Fact]
    public async Task SetRecomputeRemove_ChangeTheStoredCosts()
    {
        // One call of a model no built-in price knows: a million tokens in, a million out.
        var store = new SqliteUsageStore(Database);
        await store.MigrateAsync(Ct);
        await store.AppendAsync(
        [
            new UsageRecord
            {
                Id = Guid.NewGuid(), Time = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), Source = "gateway", Service = "openai",
                Endpoint = "/v1/responses", Status = 200, Model = Model, UsageState = UsageState.Reported,
                Usage = new TokenUsage(1_000_000, 0, 0, 1_000_000, 0), Outcome = CallOutcome.Success,
            },
        ], Ct);
        Assert.Equal(0m, await ReportedCostAsync()); // unpriced, not free: nothing to add

        Assert.Contains($"Set {Model}", await RunAsync("pricing", "set", Model, "--input", "2", "--output", "8"), StringComparison.Ordinal);
        var listed = JsonDocument.Parse(await RunAsync("pricing", "list", "--json")).RootElement;
        var price = listed.GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("model").GetString() == Model);
        Assert.Equal(("custom", 2m, 2m, 8m), (price.GetProperty("origin").GetString(), price.GetProperty("input").GetDecimal(), price.GetProperty("cachedInput").GetDecimal(), price.GetProperty("output").GetDecimal()));
        Assert.Contains("set here", await RunAsync("pricing", "list"), StringComparison.Ordinal);
        Assert.Equal(0m, await ReportedCostAsync()); // stored costs change only with recompute

        var recomputed = JsonDocument.Parse(await RunAsync("pricing", "recompute", "--json")).RootElement;
        Assert.Equal(1, recomputed.GetProperty("records").GetInt64());
        Assert.Equal(10m, await ReportedCostAsync());

        Assert.Contains($"Removed the price set for {Model}", await RunAsync("pricing", "remove", Model), StringComparison.Ordinal);
        await RunAsync("pricing", "recompute");
        Assert.Equal(0m, await ReportedCostAsync());
    }

    [Theory]
    [InlineData(2, "input of acme-coder-1 must be between 0", "pricing", "set", Model, "--input", "-1", "--output", "8")]
    [InlineData(2, "both --input and --output are required", "pricing", "set", Model, "--input", "1")]
    [InlineData(2, "Cannot parse argument", "pricing", "set", Model, "--input", "cheap", "--output", "8")]
    [InlineData(7, "has no price set here", "pricing", "remove", "gpt-5.2")]
    [InlineData(7, "does not exist", "pricing", "import", "/nonexistent/prices.json")]
    public async Task BadInput_SaysWhatIsWrong_AndChangesNothing(int exitCode, string message, params string[] args)
    {
        var (code, _, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), args);

        Assert.Equal(exitCode, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        var listed = JsonDocument.Parse(await RunAsync("pricing", "list", "--json")).RootElement;
        Assert.DoesNotContain(listed.GetProperty("prices").EnumerateArray(), p => p.GetProperty("origin").GetString() == "custom");
    }

    [Fact]
    public async Task Import_NotALiteLlmFile_IsRefused()
    {
        var file = Path.Combine(_sandbox.Dir.FullName, "prices.json");
        await File.WriteAllTextAsync(file, "{\"sample_spec\": {\"mode\": \"chat\"}}", Ct);

        var (code, _, stderr) = await TollgateProcess.RunAsync(_sandbox.Env(), "pricing", "import", file);

        Assert.Equal(2, code);
        Assert.Contains("no model with input_cost_per_token", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunningGateway_TakesUpAnEditMadeElsewhere_OnItsNextRound()
    {
        // A clock that never moves: the reloader's own rounds (every five seconds) stay out of the way.
        await using var gateway = await TestGateway.StartAsync(settings: s => s with { Time = new FakeTimeProvider(DateTimeOffset.UnixEpoch) });
        var reloader = gateway.Services.GetServices<IHostedService>().OfType<PriceReloader>().Single();
        var live = gateway.Services.GetRequiredService<PriceTable>();
        var usage = new TokenUsage(1_000_000, 0, 0, 1_000_000, 0);
        Assert.Null(live.Cost(Model, usage, null));
        Assert.False(await reloader.CheckAsync(Ct)); // nothing changed yet

        // Another process's edit: straight into the same database, as 'tollgate pricing set' does.
        await new SqliteUsageStore(gateway.Store.DatabasePath).SavePriceOverridesAsync(new Dictionary<string, ModelPrice?> { [Model] = new(2m, 2m, 8m) }, DateTimeOffset.UnixEpoch, Ct);

        Assert.True(await reloader.CheckAsync(Ct));
        Assert.Equal(10m, live.Cost(Model, usage, null));
        Assert.False(await reloader.CheckAsync(Ct)); // taken up once
    }
}
