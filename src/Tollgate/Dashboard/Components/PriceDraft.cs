using Tollgate.Core.Pricing;

namespace Tollgate.Dashboard.Components;

/// <summary>
/// A price being edited on the Pricing page, in USD per 1M tokens. Input and output are
/// required; cached input defaults to the input rate and a cache write to none (the input rate).
/// </summary>
public sealed class PriceDraft
{
    public string Model { get; set; } = "";
    public decimal? Input { get; set; }
    public decimal? CachedInput { get; set; }
    public decimal? Output { get; set; }
    public decimal? CacheWrite { get; set; }

    /// <summary>True when the model already has an entry (its name is not edited then).</summary>
    public bool Existing { get; init; }

    public static PriceDraft From(PriceEntry entry) => new()
    {
        Model = entry.Model,
        Input = entry.Input,
        CachedInput = entry.CachedInput,
        Output = entry.Output,
        CacheWrite = entry.CacheWrite,
        Existing = true,
    };

    /// <summary>The price to save, or null and what is missing.</summary>
    public (ModelPrice? Price, string? Error) ToPrice()
    {
        if (string.IsNullOrWhiteSpace(Model))
        {
            return (null, "Name the model (or a prefix such as gpt-6*)");
        }

        if (Input is not { } input || Output is not { } output)
        {
            return (null, "Input and output prices are required");
        }

        return (new ModelPrice(input, CachedInput ?? input, output, CacheWrite), null);
    }
}
