using Tollgate.Core.Pricing;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Tests.Pricing;

public sealed class PriceTableTests
{
    private static readonly PriceTable Table = PriceTable.Create(null);

    [Fact]
    public void Cost_OpenAI_CachedAtCachedRateAndReasoningNotBilledTwice()
    {
        // 10,000 input of which 8,000 cached; 2,000 output of which 1,500 reasoning.
        var usage = new TokenUsage(10_000, 8_000, 0, 2_000, 1_500);

        var cost = Table.Cost("gpt-5.1-codex", usage, serviceTier: null);

        Assert.Equal((2_000 * 1.25m + 8_000 * 0.125m + 2_000 * 10m) / 1_000_000m, cost);
    }

    [Fact]
    public void Cost_CacheWriteAtItsOwnRate()
    {
        var usage = new TokenUsage(1_000_000, 0, 200_000, 0, 0);

        Assert.Equal(800_000 * 5m / 1_000_000m + 200_000 * 6.25m / 1_000_000m, Table.Cost("gpt-5.5", usage, null));
    }

    [Theory]
    [InlineData("gpt-5-2025-08-07", "gpt-5")]
    [InlineData("openai/gpt-5.1-codex", "gpt-5.1-codex")]
    [InlineData("GPT-5.2", "gpt-5.2")]
    [InlineData("claude-sonnet-4-5-20250929", "claude-sonnet-4-5")]
    [InlineData("anthropic/claude-haiku-4-5-20251001", "claude-haiku-4-5")]
    public void TryResolve_DateSuffixAndProviderPrefix_MatchAlias(string model, string expected)
    {
        Assert.True(Table.TryResolve(model, out var matched, out _));
        Assert.Equal(expected, matched, ignoreCase: true);
    }

    [Theory]
    [InlineData("gpt-6.1-sol")]
    [InlineData("gpt-6.1-terra")]
    [InlineData("gpt-5.1-codex-ultra")]
    [InlineData("claude-opus-4-8")]
    [InlineData("")]
    [InlineData(null)]
    public void Cost_UnknownModel_UnpricedNotZero(string? model)
    {
        Assert.Null(Table.Cost(model, new TokenUsage(100, 0, 0, 100, 0), null));
    }

    [Fact]
    public void Cost_ServiceTiers_PriorityAndFlexPrices()
    {
        var usage = new TokenUsage(1_000_000, 0, 0, 1_000_000, 0);

        Assert.Equal(11.25m, Table.Cost("gpt-5", usage, null));
        Assert.Equal(22.50m, Table.Cost("gpt-5", usage, "priority"));
        Assert.Equal(5.625m, Table.Cost("gpt-5", usage, "flex"));
        Assert.Equal(11.25m, Table.Cost("gpt-5", usage, "default"));
    }

    [Fact]
    public void Cost_Anthropic_LongContextAndOneHourWrites()
    {
        // Under 200k: 5-minute writes at 1.25×, 1-hour writes at 2× input.
        var small = new TokenUsage(InputTokens: 1_000 + 10_000 + 4_000, CachedInputTokens: 10_000, CacheWriteTokens: 4_000, OutputTokens: 500, ReasoningTokens: 0, CacheWrite1hTokens: 1_000);
        Assert.Equal((1_000 * 3m + 10_000 * 0.30m + 3_000 * 3.75m + 1_000 * 6m + 500 * 15m) / 1_000_000m, Table.Cost("claude-sonnet-4-5", small, null));

        // Over 200k input, the long-context prices apply to the whole request.
        var large = new TokenUsage(250_000, 0, 0, 1_000, 0);
        Assert.Equal((250_000 * 6m + 1_000 * 22.50m) / 1_000_000m, Table.Cost("claude-sonnet-4-5", large, null));
    }

    [Fact]
    public void Create_UserOverridesAliasesAndDefault_Apply()
    {
        var table = PriceTable.Create(new PricingOptions
        {
            Models = new Dictionary<string, ModelPrice> { ["gpt-6.1-sol"] = new(2m, 0.2m, 10m), ["gpt-5"] = new(1m, 0.1m, 1m) },
            Aliases = new Dictionary<string, string> { ["my-deploy"] = "gpt-5.2" },
        });
        var usage = new TokenUsage(1_000_000, 0, 0, 0, 0);

        Assert.Equal(2m, table.Cost("gpt-6.1-sol", usage, null));
        Assert.Equal(1m, table.Cost("gpt-5", usage, null));
        Assert.Equal(1.75m, table.Cost("my-deploy", usage, null));
        Assert.Null(table.Cost("unknown-model", usage, null));

        var withDefault = PriceTable.Create(new PricingOptions { Default = new ModelPrice(3m, 3m, 3m) });
        Assert.Equal(3m, withDefault.Cost("unknown-model", usage, null));
    }
}
