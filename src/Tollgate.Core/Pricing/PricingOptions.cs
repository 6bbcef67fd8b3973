namespace Tollgate.Core.Pricing;

/// <summary>The <c>[pricing]</c> section: per-model overrides, aliases and an optional default.</summary>
public sealed record PricingOptions
{
    public IReadOnlyDictionary<string, ModelPrice> Models { get; init; } = new Dictionary<string, ModelPrice>();
    public IReadOnlyDictionary<string, string> Aliases { get; init; } = new Dictionary<string, string>();

    /// <summary>Applied to models no entry matches. Off by default: unknown models stay unpriced.</summary>
    public ModelPrice? Default { get; init; }
}
