using System.CommandLine;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Storage;

namespace Tollgate.Cli;

/// <summary><c>tollgate homes add/list/remove</c>: the Codex homes whose session logs are read.</summary>
internal sealed class HomesCommand : Command
{
    public HomesCommand(Option<string?> configOption)
        : base("homes", "Codex homes whose session logs are counted: add, list, remove")
    {
        var addPath = new Argument<string>("DIR") { Description = "A Codex home (the folder that holds sessions/)" };
        var add = new Command("add", "Read this Codex home too") { addPath };
        add.SetAction((parse, ct) => RunAsync(configOption, parse, async (homes, _) =>
        {
            var dir = CodexHomes.Normalize(parse.GetValue(addPath)!);
            if (!Directory.Exists(dir))
            {
                CliContext.Error($"{dir} does not exist");
                return ExitCodes.NotFound;
            }

            if (!Directory.Exists(Path.Combine(dir, "sessions")) && !Directory.Exists(Path.Combine(dir, "archived_sessions")))
            {
                Console.Error.WriteLine($"warning: {dir} has no sessions/ or archived_sessions/ yet");
            }

            Console.WriteLine(await homes.AddAsync(dir, ct) ? $"Added {dir}." : $"{dir} was already added.");
            return ExitCodes.Success;
        }, ct));

        var list = new Command("list", "The homes that are read");
        list.SetAction((parse, ct) => RunAsync(configOption, parse, async (homes, context) =>
        {
            foreach (var home in await homes.ResolveAsync(context.Paths, context.Config, ct))
            {
                Console.WriteLine($"{home.Path}  ({home.Origin}{(Directory.Exists(home.Path) ? "" : ", missing")})");
            }

            return ExitCodes.Success;
        }, ct));

        var removePath = new Argument<string>("DIR") { Description = "A home added with 'tollgate homes add'" };
        var remove = new Command("remove", "Stop reading a home (what was counted from it stays)") { removePath };
        remove.SetAction((parse, ct) => RunAsync(configOption, parse, async (homes, _) =>
        {
            var dir = CodexHomes.Normalize(parse.GetValue(removePath)!);
            if (!await homes.RemoveAsync(dir, ct))
            {
                CliContext.Error($"{dir} is not an added home (see 'tollgate homes list'; homes in the config file are removed there)");
                return ExitCodes.NotFound;
            }

            Console.WriteLine($"Removed {dir}.");
            return ExitCodes.Success;
        }, ct));

        Subcommands.Add(add);
        Subcommands.Add(list);
        Subcommands.Add(remove);
    }

    private static async Task<int> RunAsync(Option<string?> configOption, ParseResult parse, Func<CodexHomes, (Core.Configuration.AppPaths Paths, Core.Configuration.TollgateConfig Config), Task<int>> body, CancellationToken cancellationToken)
    {
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        var database = new SqliteDatabase(paths.DatabasePath);
        await database.MigrateAsync(cancellationToken);
        return await body(new CodexHomes(database, TimeProvider.System), (paths, config));
    }
}
