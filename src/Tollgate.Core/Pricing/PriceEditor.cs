using System.Text.Json;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Pricing;

/// <summary>
/// The prices users edit (dashboard, API): kept in the store, laid over the built-in list and
/// the config file, and applied to the one live <see cref="PriceTable"/> the writer, the
/// ingester and the queries share. New records are priced with an edit at once; stored ones
/// when <see cref="RecomputeAsync"/> runs.
/// </summary>
public sealed class PriceEditor(SqliteUsageStore store, PricingOptions? config, PriceTable live, TimeProvider time)
{
    /// <summary>The longest model name or pattern accepted.</summary>
    public const int MaxModelLength = 200;

    /// <summary>The highest price accepted, in USD per 1M tokens (a guard against a misplaced decimal point).</summary>
    public const decimal MaxPrice = 10_000m;

    private readonly SemaphoreSlim _recompute = new(1, 1);

    private IReadOnlyDictionary<string, ModelPrice>? _loaded;

    /// <summary>Loads the stored edits into the live table (at start, after the schema is migrated).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var overrides = await store.ReadPriceOverridesAsync(cancellationToken);
        live.ReplaceWith(PriceTable.Create(config, overrides));
        _loaded = overrides;
    }

    /// <summary>
    /// Loads the stored edits again when another process (<c>tollgate pricing</c>) changed them
    /// since the last load; true when it did.
    /// </summary>
    public async Task<bool> ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        var overrides = await store.ReadPriceOverridesAsync(cancellationToken);
        if (_loaded is { } loaded && loaded.Count == overrides.Count
            && overrides.All(o => loaded.TryGetValue(o.Key, out var price) && price == o.Value))
        {
            return false;
        }

        live.ReplaceWith(PriceTable.Create(config, overrides));
        _loaded = overrides;
        return true;
    }

    /// <summary>Every price in force, where it comes from, and every model the store has seen with the entry that prices it.</summary>
    public async Task<PriceList> ListAsync(CancellationToken cancellationToken)
    {
        var overrides = await store.ReadPriceOverridesAsync(cancellationToken);
        var builtIn = BuiltInPrices.Create();
        var entries = live.Prices
            .OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .Select(p => new PriceEntry(
                p.Key,
                p.Value.Input,
                p.Value.CachedInput,
                p.Value.Output,
                p.Value.CacheWrite,
                overrides.ContainsKey(p.Key) ? PriceOrigin.Custom : config?.Models.ContainsKey(p.Key) == true || !builtIn.ContainsKey(p.Key) ? PriceOrigin.Config : PriceOrigin.BuiltIn))
            .ToList();
        var seen = (await store.ReadSeenModelsAsync(cancellationToken))
            .Select(m => new SeenModel(m.Model, live.TryResolve(m.Model, out var matched, out _) ? matched : null, m.Requests, m.UnpricedRequests))
            .ToList();
        return new PriceList(entries, seen);
    }

    /// <summary>
    /// Sets the prices given and removes the edits given as null (the model then falls back to
    /// the config file or the built-in list). Validates everything before changing anything.
    /// </summary>
    public async Task UpdateAsync(IReadOnlyDictionary<string, ModelPrice?> changes, CancellationToken cancellationToken)
    {
        foreach (var (model, price) in changes)
        {
            Validate(model, price);
        }

        await store.SavePriceOverridesAsync(changes, time.GetUtcNow(), cancellationToken);
        await LoadAsync(cancellationToken);
    }

    /// <summary>
    /// Reads a LiteLLM price file (<c>model_prices_and_context_window.json</c>: per-token USD
    /// costs per model) and stores its chat and responses models as edits. Returns how many.
    /// </summary>
    public async Task<int> ImportLiteLlmAsync(Stream json, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(json, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new PriceEditException("file", $"not a LiteLLM price file: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PriceEditException("file", "not a LiteLLM price file: the top level must be an object of models");
            }

            var changes = new Dictionary<string, ModelPrice?>(StringComparer.OrdinalIgnoreCase);
            foreach (var model in document.RootElement.EnumerateObject())
            {
                if (model.Value.ValueKind != JsonValueKind.Object
                    || model.Name.Length is 0 or > MaxModelLength
                    || (model.Value.TryGetProperty("mode", out var mode) && mode.GetString() is not ("chat" or "responses" or "completion"))
                    || PerMillion(model.Value, "input_cost_per_token") is not { } input
                    || PerMillion(model.Value, "output_cost_per_token") is not { } output)
                {
                    continue; // the sample entry, embeddings, images, audio, and models without token prices
                }

                var price = new ModelPrice(input, PerMillion(model.Value, "cache_read_input_token_cost") ?? input, output, PerMillion(model.Value, "cache_creation_input_token_cost"));
                if (price.Input <= MaxPrice && price.Output <= MaxPrice && price.CachedInput <= MaxPrice && (price.CacheWrite ?? 0) <= MaxPrice)
                {
                    changes[model.Name] = price;
                }
            }

            if (changes.Count == 0)
            {
                throw new PriceEditException("file", "the file has no model with input_cost_per_token and output_cost_per_token");
            }

            await UpdateAsync(changes, cancellationToken);
            return changes.Count;
        }

        static decimal? PerMillion(JsonElement model, string name) =>
            model.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var perToken) && perToken >= 0
                ? decimal.Round(perToken * 1_000_000m, 6)
                : null;
    }

    /// <summary>Prices every stored record again with the prices in force; one run at a time (a second caller waits).</summary>
    public async Task<long> RecomputeAsync(IProgress<(long Done, long Total)>? progress, CancellationToken cancellationToken)
    {
        await _recompute.WaitAsync(cancellationToken);
        try
        {
            return await store.RecomputeCostsAsync(live, progress, cancellationToken);
        }
        finally
        {
            _recompute.Release();
        }
    }

    private static void Validate(string model, ModelPrice? price)
    {
        if (string.IsNullOrWhiteSpace(model) || model.Length > MaxModelLength || model.Any(char.IsControl) || model != model.Trim())
        {
            throw new PriceEditException("model", $"'{model}' is not a model name (1 to {MaxModelLength} characters, no control characters or surrounding spaces)");
        }

        if (price is null)
        {
            return;
        }

        foreach (var (field, value) in new[] { ("input", price.Input), ("cachedInput", price.CachedInput), ("output", price.Output), ("cacheWrite", price.CacheWrite ?? 0m) })
        {
            if (value is < 0 or > MaxPrice)
            {
                throw new PriceEditException(field, $"{field} of {model} must be between 0 and {MaxPrice} USD per 1M tokens");
            }
        }
    }
}

/// <summary>Where a price in force comes from.</summary>
public enum PriceOrigin
{
    BuiltIn,
    Config,
    Custom,
}

/// <summary>One price in force, in USD per 1M tokens (cache write null = billed as input).</summary>
public sealed record PriceEntry(string Model, decimal Input, decimal CachedInput, decimal Output, decimal? CacheWrite, PriceOrigin Origin);

/// <summary>A model the store has records of, the entry that prices it (null = unpriced), its requests and how many are unpriced.</summary>
public sealed record SeenModel(string Model, string? PricedAs, long Requests, long UnpricedRequests);

public sealed record PriceList(IReadOnlyList<PriceEntry> Prices, IReadOnlyList<SeenModel> Seen);

/// <summary>An edit that cannot be applied; <see cref="Field"/> names what is wrong.</summary>
public sealed class PriceEditException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
