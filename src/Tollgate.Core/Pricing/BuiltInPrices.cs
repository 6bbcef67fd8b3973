namespace Tollgate.Core.Pricing;

/// <summary>
/// The price list Tollgate ships (USD per 1M tokens), from the providers' public price pages
/// as of 2026-11. Users override or extend it in <c>[pricing.models]</c>; models missing here
/// are unpriced, never $0.
/// </summary>
public static class BuiltInPrices
{
    public static IReadOnlyDictionary<string, ModelPrice> Create()
    {
        var gpt5Priority = new ModelPrice(2.50m, 0.25m, 20m);
        var gpt5Flex = new ModelPrice(0.625m, 0.0625m, 5m);
        var gpt5 = new ModelPrice(1.25m, 0.125m, 10m) { Priority = gpt5Priority, Flex = gpt5Flex };
        var gpt5Mini = new ModelPrice(0.25m, 0.025m, 2m);
        var gpt52 = new ModelPrice(1.75m, 0.175m, 14m);

        var sonnet = Anthropic(3m, 0.30m, 15m) with { LongContext = new LongContextPrice(200_000, Anthropic(6m, 0.60m, 22.50m)) };
        var opus4 = Anthropic(15m, 1.50m, 75m);

        return new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
        {
            // OpenAI (FACTS.md §7 plus the public price page)
            ["gpt-5"] = gpt5,
            ["gpt-5-codex"] = gpt5,
            ["gpt-5.1"] = gpt5,
            ["gpt-5.1-codex"] = gpt5,
            ["gpt-5.1-codex-max"] = gpt5,
            ["gpt-5-mini"] = gpt5Mini,
            ["gpt-5.1-codex-mini"] = gpt5Mini,
            ["gpt-5-nano"] = new ModelPrice(0.05m, 0.005m, 0.40m),
            ["gpt-5.2"] = gpt52,
            ["gpt-5.2-codex"] = gpt52,
            ["gpt-5.5"] = new ModelPrice(5m, 0.50m, 30m, CacheWrite: 6.25m),
            ["gpt-5.6-sol"] = new ModelPrice(4m, 0.40m, 20m, CacheWrite: 5m),
            ["gpt-5.6-terra"] = new ModelPrice(2m, 0.20m, 12m, CacheWrite: 2.5m),
            ["gpt-6-astra"] = new ModelPrice(10m, 1m, 50m, CacheWrite: 12.5m),
            ["gpt-4.1"] = new ModelPrice(2m, 0.50m, 8m),
            ["gpt-4.1-mini"] = new ModelPrice(0.40m, 0.10m, 1.60m),
            ["gpt-4.1-nano"] = new ModelPrice(0.10m, 0.025m, 0.40m),
            ["gpt-4o"] = new ModelPrice(2.50m, 1.25m, 10m),
            ["gpt-4o-mini"] = new ModelPrice(0.15m, 0.075m, 0.60m),
            ["o3"] = new ModelPrice(2m, 0.50m, 8m),
            ["o4-mini"] = new ModelPrice(1.10m, 0.275m, 4.40m),
            ["text-embedding-3-small"] = new ModelPrice(0.02m, 0.02m, 0m),
            ["text-embedding-3-large"] = new ModelPrice(0.13m, 0.13m, 0m),

            // Anthropic: cache writes 1.25× (5 minutes) and 2× (1 hour) input, reads 0.1×.
            ["claude-opus-4-5"] = Anthropic(5m, 0.50m, 25m),
            ["claude-opus-4-1"] = opus4,
            ["claude-opus-4"] = opus4,
            ["claude-sonnet-4-5"] = sonnet,
            ["claude-sonnet-4"] = sonnet,
            ["claude-haiku-4-5"] = Anthropic(1m, 0.10m, 5m),
            ["claude-3-5-haiku"] = Anthropic(0.80m, 0.08m, 4m),
        };
    }

    private static ModelPrice Anthropic(decimal input, decimal cachedInput, decimal output) =>
        new(input, cachedInput, output, CacheWrite: input * 1.25m, CacheWrite1h: input * 2m);
}
