using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tollgate.Core.Pricing;

namespace Tollgate.Cli;

/// <summary>
/// <c>tollgate pricing list|set|remove|import|recompute</c>: the prices in force and the edits
/// over them, the same as the dashboard's Pricing page and <c>/api/pricing</c> (one
/// <see cref="PriceEditor"/>). Edits are stored in the database; a running gateway takes them up
/// within seconds (<c>Hosting/PriceReloader</c>); stored costs change only with <c>recompute</c>.
/// </summary>
internal sealed class PricingCommand : Command
{
    public PricingCommand(Option<string?> configOption)
        : base("pricing", "Prices per model: list, set, remove, import, recompute")
    {
        var json = new Option<bool>("--json") { Description = "Print JSON (the shape of GET /api/pricing)" };
        var list = new Command("list", "Every price in force (USD per 1M tokens) and where it comes from, and every model seen with what prices it") { json };
        list.SetAction((parse, ct) => RunAsync(configOption, parse, async editor =>
        {
            var prices = await editor.ListAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(prices, Api.ApiEndpoints.PricingJson));
                return ExitCodes.Success;
            }

            Show(prices);
            return ExitCodes.Success;
        }, ct));

        var model = new Argument<string>("MODEL") { Description = "A model name or pattern, as the price table matches it (e.g. gpt-5.2, claude-sonnet-4-5)" };
        var input = new Option<decimal?>("--input") { Description = "USD per 1M input tokens (required)" };
        var output = new Option<decimal?>("--output") { Description = "USD per 1M output tokens (required)" };
        var cached = new Option<decimal?>("--cached-input") { Description = "USD per 1M cached input tokens (default: the input price)" };
        var cacheWrite = new Option<decimal?>("--cache-write") { Description = "USD per 1M cache-write tokens (Anthropic's 5-minute cache)" };
        var set = new Command("set", "Set a model's price (kept in the database, over the config file and the built-in list)") { model, input, output, cached, cacheWrite };
        set.SetAction((parse, ct) => RunAsync(configOption, parse, async editor =>
        {
            if (parse.GetValue(input) is not { } inputPrice || parse.GetValue(output) is not { } outputPrice)
            {
                CliContext.Error("both --input and --output are required (USD per 1M tokens)");
                return ExitCodes.InvalidArguments;
            }

            var name = parse.GetValue(model)!;
            await editor.UpdateAsync(new Dictionary<string, ModelPrice?> { [name] = new(inputPrice, parse.GetValue(cached) ?? inputPrice, outputPrice, parse.GetValue(cacheWrite)) }, ct);
            Console.WriteLine($"Set {name}. New calls are priced with it; 'tollgate pricing recompute' prices the stored ones again.");
            return ExitCodes.Success;
        }, ct));

        var removed = new Argument<string>("MODEL") { Description = "A model whose price was set with 'pricing set', the dashboard or an import" };
        var remove = new Command("remove", "Remove a price set here: the model falls back to the config file or the built-in list") { removed };
        remove.SetAction((parse, ct) => RunAsync(configOption, parse, async editor =>
        {
            var name = parse.GetValue(removed)!;
            var custom = (await editor.ListAsync(ct)).Prices.FirstOrDefault(p => p.Origin == PriceOrigin.Custom && string.Equals(p.Model, name, StringComparison.OrdinalIgnoreCase));
            if (custom is null)
            {
                CliContext.Error($"{name} has no price set here (prices from the config file are removed there; see 'tollgate pricing list')");
                return ExitCodes.NotFound;
            }

            await editor.UpdateAsync(new Dictionary<string, ModelPrice?> { [custom.Model] = null }, ct);
            Console.WriteLine($"Removed the price set for {custom.Model}.");
            return ExitCodes.Success;
        }, ct));

        var file = new Argument<string>("FILE") { Description = "A LiteLLM price file (model_prices_and_context_window.json)" };
        var import = new Command("import", "Set the price of every chat and responses model in a LiteLLM price file") { file };
        import.SetAction((parse, ct) => RunAsync(configOption, parse, async editor =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                CliContext.Error($"{path} does not exist");
                return ExitCodes.NotFound;
            }

            await using var stream = File.OpenRead(path);
            Console.WriteLine($"Imported {await editor.ImportLiteLlmAsync(stream, ct)} prices from {path}.");
            return ExitCodes.Success;
        }, ct));

        var recompute = new Command("recompute", "Price every stored call again with the prices in force") { json };
        recompute.SetAction((parse, ct) => RunAsync(configOption, parse, async editor =>
        {
            var started = TimeProvider.System.GetTimestamp();
            var records = await editor.RecomputeAsync(null, ct);
            var elapsed = TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
            Console.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(new { records, elapsedMs = Math.Round(elapsed, 1) })
                : $"Priced {records:N0} stored calls again in {elapsed / 1000:0.0} s.");
            return ExitCodes.Success;
        }, ct));

        Subcommands.Add(list);
        Subcommands.Add(set);
        Subcommands.Add(remove);
        Subcommands.Add(import);
        Subcommands.Add(recompute);
    }

    private static async Task<int> RunAsync(Option<string?> configOption, ParseResult parse, Func<PriceEditor, Task<int>> body, CancellationToken cancellationToken)
    {
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        if (await CliContext.OpenStoreAsync(paths.DatabasePath, cancellationToken) is not { } store)
        {
            return ExitCodes.StorageUnavailable;
        }

        var editor = new PriceEditor(store, config.Pricing, PriceTable.Create(config.Pricing), TimeProvider.System);
        try
        {
            await editor.LoadAsync(cancellationToken);
            return await body(editor);
        }
        catch (PriceEditException e)
        {
            CliContext.Error(e.Message);
            return ExitCodes.InvalidArguments;
        }
    }

    private static void Show(PriceList prices)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("model", "input", "cached input", "output", "cache write", "from");
        foreach (var p in prices.Prices)
        {
            table.AddRow(Markup.Escape(p.Model), Usd(p.Input), Usd(p.CachedInput), Usd(p.Output), p.CacheWrite is { } w ? Usd(w) : "", p.Origin switch
            {
                PriceOrigin.Custom => "set here",
                PriceOrigin.Config => "config",
                _ => "built-in",
            });
        }

        AnsiConsole.Write(table);
        Console.WriteLine("USD per 1M tokens.");
        if (prices.Seen.Count == 0)
        {
            return;
        }

        var seen = new Table().Border(TableBorder.Rounded).AddColumns("model seen", "priced as", "calls", "unpriced calls");
        foreach (var m in prices.Seen)
        {
            seen.AddRow(
                Markup.Escape(m.Model),
                m.PricedAs is { } priced ? Markup.Escape(priced) : "[red]unpriced[/]",
                m.Requests.ToString("N0", CultureInfo.InvariantCulture),
                m.UnpricedRequests.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(seen);
    }

    private static string Usd(decimal perMillion) => perMillion.ToString("0.00####", CultureInfo.InvariantCulture);
}
