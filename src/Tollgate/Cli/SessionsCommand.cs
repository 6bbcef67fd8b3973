using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Storage;

namespace Tollgate.Cli;

/// <summary><c>tollgate sessions list|last</c>: Codex sessions, this project's first, ready to resume.</summary>
internal sealed class SessionsCommand : Command
{
    public SessionsCommand(Option<string?> configOption)
        : base("sessions", "Codex sessions, the current project's first")
    {
        var limit = new Option<int>("--limit", "-n") { Description = "How many sessions to show", DefaultValueFactory = _ => 20 };
        var all = new Option<bool>("--all") { Description = "Show every session" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var list = new Command("list", "Sessions of this project first, then the others, newest first") { limit, all, json };
        list.SetAction((parse, ct) => RunAsync(parse, configOption, ct, (sessions, _) =>
        {
            var shown = parse.GetValue(all) ? sessions : sessions.Take(parse.GetValue(limit)).ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(shown.Select(ToJson).ToList(), new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Success;
            }

            if (shown.Count == 0)
            {
                Console.WriteLine("No Codex sessions found (see 'tollgate homes list').");
                return ExitCodes.Success;
            }

            foreach (var s in shown)
            {
                Console.WriteLine(s.Session.Id);
                Console.WriteLine($"  {Describe(s)}");
            }

            return ExitCodes.Success;
        }));

        var last = new Command("last", "The last session of this project, with the command to resume it") { json };
        last.SetAction((parse, ct) => RunAsync(parse, configOption, ct, (sessions, cwd) =>
        {
            var session = sessions.FirstOrDefault(s => s.InProject);
            if (session is null)
            {
                CliContext.Error($"no Codex session was started in or around {cwd} ('tollgate sessions list' shows the others)");
                return ExitCodes.NotFound;
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(ToJson(session), new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Success;
            }

            Console.WriteLine(session.Session.Id);
            Console.WriteLine($"  {Describe(session)}");
            Console.WriteLine();
            Console.WriteLine($"codex resume {session.Session.Id}");
            return ExitCodes.Success;
        }));

        Subcommands.Add(list);
        Subcommands.Add(last);
    }

    private static async Task<int> RunAsync(
        ParseResult parse, Option<string?> configOption, CancellationToken cancellationToken, Func<IReadOnlyList<ListedSession>, string, int> show)
    {
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        // Read from the rollout files themselves (head and tail, cached by size and mtime), not from an ingestion.
        RolloutSummaries? found;
        try
        {
            found = await ListAsync(paths, config, cancellationToken);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or UnauthorizedAccessException)
        {
            CliContext.Error($"cannot use the database {paths.DatabasePath}: {e.Message}");
            return ExitCodes.StorageUnavailable;
        }

        foreach (var problem in found.Result.Problems)
        {
            Console.Error.WriteLine($"warning: {problem}");
        }

        var cwd = Environment.CurrentDirectory;
        var ordered = SessionList.Order(found.Result.Sessions, cwd, Environment.GetEnvironmentVariable("HOME"), SessionList.ReadNames(found.Homes));
        return show(ordered, cwd);
    }

    private sealed record RolloutSummaries(SessionCatalogResult Result, IReadOnlyList<string> Homes);

    private static async Task<RolloutSummaries> ListAsync(Core.Configuration.AppPaths paths, Core.Configuration.TollgateConfig config, CancellationToken cancellationToken)
    {
        var database = new SqliteDatabase(paths.DatabasePath);
        await database.MigrateAsync(cancellationToken);
        var homes = CodexHomes.ToRead(await new CodexHomes(database, TimeProvider.System).ResolveAsync(paths, config, cancellationToken));
        if (homes.Count == 0)
        {
            return new(new SessionCatalogResult([], 0, 0, []), [paths.CodexHome]); // no Codex on this machine: nothing to list, nothing wrong
        }

        return new(await new SessionCatalog(new SqliteUsageStore(database)).ListAsync(homes, cancellationToken), homes);
    }

    private static string Describe(ListedSession s)
    {
        var at = s.Session.LastActivity is { } t ? TimeZoneInfo.ConvertTime(t, TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "?";
        var title = s.Name ?? s.Session.FirstPrompt ?? "(no prompt)";
        return $"{at}  {s.Session.Cwd ?? "?"}  {title}  [{s.Session.Model ?? "?"}, {s.Session.TotalTokens.ToString("N0", CultureInfo.InvariantCulture)} tokens]";
    }

    private static Dictionary<string, object?> ToJson(ListedSession s) => new()
    {
        ["sessionId"] = s.Session.Id,
        ["inProject"] = s.InProject,
        ["lastActivity"] = s.Session.LastActivity,
        ["cwd"] = s.Session.Cwd,
        ["name"] = s.Name,
        ["firstPrompt"] = s.Session.FirstPrompt,
        ["model"] = s.Session.Model,
        ["totalTokens"] = s.Session.TotalTokens,
        ["home"] = s.Session.Home,
        ["resume"] = $"codex resume {s.Session.Id}",
    };
}
