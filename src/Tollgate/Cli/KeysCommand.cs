using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Tollgate.Cli;

/// <summary><c>tollgate keys …</c>: the client keys that clients present to the gateway once accounts exist.</summary>
internal sealed class KeysCommand : Command
{
    public KeysCommand()
        : base("keys", "Client keys for the gateway: create, list, revoke")
    {
        var name = new Argument<string>("NAME") { Description = "A name for the key (who or what uses it)" };
        var pool = new Option<string?>("--pool") { Description = "Route this key's requests to this pool (default: the service's default pool)" };
        var create = new Command("create", "Create a client key; it is printed once and only its hash is stored") { name, pool };
        create.SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var (key, secret) = await context.Keys.CreateAsync(parse.GetValue(name)!, parse.GetValue(pool), ct);
            if (Console.IsOutputRedirected)
            {
                Console.WriteLine(secret); // scripts capture exactly the key
            }
            else
            {
                Console.WriteLine($"Created client key '{key.Name}'. Copy it now: it is not shown again.");
                Console.WriteLine();
                Console.WriteLine($"  {secret}");
                Console.WriteLine();
                Console.WriteLine("Clients send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");
            }

            return ExitCodes.Success;
        }, ct));

        var all = new Option<bool>("--all") { Description = "Include revoked keys" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var list = new Command("list", "List client keys (names and hints, never the keys)") { all, json };
        list.SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            var keys = await context.Keys.ListAsync(parse.GetValue(all), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(
                    keys.Select(k => new { id = k.Id, name = k.Name, hint = k.Hint, pool = k.Pool, createdAt = k.CreatedAt, revokedAt = k.RevokedAt }),
                    new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Success;
            }

            if (keys.Count == 0)
            {
                Console.WriteLine("No client keys. Create one with 'tollgate keys create NAME'.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "key", "pool", "created", "state");
            foreach (var k in keys)
            {
                table.AddRow(
                    Markup.Escape(k.Name),
                    Markup.Escape(k.Hint),
                    Markup.Escape(k.Pool ?? "default"),
                    k.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm"),
                    k.Revoked ? $"[grey]revoked {k.RevokedAt!.Value.ToLocalTime():yyyy-MM-dd HH:mm}[/]" : "[green]active[/]");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Success;
        }, ct));

        var revokeName = new Argument<string>("NAME") { Description = "Key name or id" };
        var revoke = new Command("revoke", "Revoke a client key: the gateway refuses it within seconds") { revokeName };
        revoke.SetAction((parse, ct) => AccountsCommand.RunAsync(async context =>
        {
            if (!await context.Keys.RevokeAsync(parse.GetValue(revokeName)!, ct))
            {
                CliContext.Error($"there is no active client key '{parse.GetValue(revokeName)}' (see 'tollgate keys list')");
                return ExitCodes.NotFound;
            }

            Console.WriteLine($"Revoked client key '{parse.GetValue(revokeName)}'.");
            return ExitCodes.Success;
        }, ct));

        Subcommands.Add(create);
        Subcommands.Add(list);
        Subcommands.Add(revoke);
    }
}
