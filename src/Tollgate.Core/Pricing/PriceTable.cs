using System.Text.RegularExpressions;
using Tollgate.Core.Usage;

namespace Tollgate.Core.Pricing;

/// <summary>
/// Resolves a model name to its price — exact name first, then the alias rules (user aliases,
/// provider prefixes such as <c>openai/</c>, date suffixes such as <c>-2025-08-07</c> or
/// <c>-20250929</c>, <c>-latest</c>) — and computes cost with decimal arithmetic. A model that
/// matches nothing is unpriced (null cost), never $0; there is no fuzzy matching.
/// </summary>
public sealed partial class PriceTable
{
    // One immutable book, swapped whole when prices change, so a lookup never sees half an update.
    private volatile Book _book;

    public PriceTable(
        IReadOnlyDictionary<string, ModelPrice> prices,
        IReadOnlyDictionary<string, string>? aliases = null,
        ModelPrice? defaultPrice = null) =>
        _book = new Book(
            new Dictionary<string, ModelPrice>(prices, StringComparer.OrdinalIgnoreCase),
            new Dictionary<string, string>(aliases ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            defaultPrice);

    /// <summary>
    /// The built-in list, the config file's <c>[pricing]</c> laid over it, and the prices edited
    /// in the dashboard or the API (<paramref name="overrides"/>, kept in the store) over both.
    /// </summary>
    public static PriceTable Create(PricingOptions? options, IReadOnlyDictionary<string, ModelPrice>? overrides = null)
    {
        var prices = new Dictionary<string, ModelPrice>(BuiltInPrices.Create(), StringComparer.OrdinalIgnoreCase);
        foreach (var layer in new[] { options?.Models, overrides })
        {
            foreach (var (model, price) in layer ?? new Dictionary<string, ModelPrice>())
            {
                prices[model] = price;
            }
        }

        return new PriceTable(prices, options?.Aliases, options?.Default);
    }

    public IReadOnlyDictionary<string, ModelPrice> Prices => _book.Prices;

    /// <summary>Takes over another table's prices, for everyone holding this one (the writer, the ingester, the queries).</summary>
    public void ReplaceWith(PriceTable other) => _book = other._book;

    /// <summary>Finds the price entry for a model; the returned name is the entry's key.</summary>
    public bool TryResolve(string? model, out string matched, out ModelPrice price)
    {
        matched = "";
        price = null!;
        if (string.IsNullOrWhiteSpace(model))
        {
            return false;
        }

        var book = _book;
        foreach (var candidate in book.Candidates(model.Trim()))
        {
            if (book.Prices.TryGetValue(candidate, out var p))
            {
                matched = candidate;
                price = p;
                return true;
            }
        }

        if (book.Default is not null)
        {
            matched = "(default)";
            price = book.Default;
            return true;
        }

        return false;
    }

    /// <summary>Cost in USD, or null when the model is unpriced.</summary>
    public decimal? Cost(string? model, TokenUsage usage, string? serviceTier) =>
        TryResolve(model, out _, out var price) ? Cost(price, usage, serviceTier) : null;

    /// <summary>
    /// (input − cached − cache writes) × input rate + cached × cached rate + writes × write
    /// rate + output × output rate. Reasoning is inside output and is not billed again.
    /// </summary>
    public static decimal Cost(ModelPrice price, TokenUsage usage, string? serviceTier)
    {
        var p = serviceTier?.ToLowerInvariant() switch
        {
            "priority" or "fast" => price.Priority ?? price,
            "flex" => price.Flex ?? price,
            _ => price,
        };
        if (p.LongContext is { } tier && usage.InputTokens > tier.ThresholdInputTokens)
        {
            p = tier.Price;
        }

        var write1h = Math.Min(usage.CacheWrite1hTokens, usage.CacheWriteTokens);
        var write5m = usage.CacheWriteTokens - write1h;
        var writeRate = p.CacheWrite ?? p.Input;
        var write1hRate = p.CacheWrite1h ?? writeRate;
        var perMillion =
            (usage.UncachedInputTokens * p.Input)
            + (usage.CachedInputTokens * p.CachedInput)
            + (write5m * writeRate)
            + (write1h * write1hRate)
            + (usage.OutputTokens * p.Output);
        return perMillion / 1_000_000m;
    }

    [GeneratedRegex(@"(-\d{4}-\d{2}-\d{2}|-\d{8}|-latest)$", RegexOptions.CultureInvariant)]
    private static partial Regex DateSuffix();

    private sealed record Book(Dictionary<string, ModelPrice> Prices, Dictionary<string, string> Aliases, ModelPrice? Default)
    {
        public IEnumerable<string> Candidates(string model)
        {
            yield return model;
            if (Aliases.TryGetValue(model, out var aliased))
            {
                yield return aliased;
            }

            var slash = model.LastIndexOf('/');
            var bare = slash >= 0 ? model[(slash + 1)..] : model;
            if (!ReferenceEquals(bare, model))
            {
                yield return bare;
                if (Aliases.TryGetValue(bare, out var a2))
                {
                    yield return a2;
                }
            }

            var undated = DateSuffix().Replace(bare, "");
            if (undated != bare)
            {
                yield return undated;
                if (Aliases.TryGetValue(undated, out var a3))
                {
                    yield return a3;
                }
            }
        }
    }
}
