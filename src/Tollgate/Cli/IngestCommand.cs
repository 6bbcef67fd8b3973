using System.CommandLine;
using System.Text.Json;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;

namespace Tollgate.Cli;

/// <summary><c>tollgate ingest [--home DIR]</c>: reads what the Codex homes' session logs added since the last run.</summary>
internal sealed class IngestCommand : Command
{
    private readonly Option<string[]> _homes = new("--home") { Description = "A Codex home to read (repeatable; default $CODEX_HOME or ~/.codex)" };
    private readonly Option<bool> _json = new("--json") { Description = "Print the report as JSON" };

    public IngestCommand(Option<string?> configOption)
        : base("ingest", "Read new token usage from the Codex CLI's session logs into the store")
    {
        Options.Add(_homes);
        Options.Add(_json);
        SetAction(async (parse, ct) =>
        {
            var (paths, config) = CliContext.Load(parse.GetValue(configOption));
            if (config is null)
            {
                return ExitCodes.InvalidConfig;
            }

            var homes = parse.GetValue(_homes) is { Length: > 0 } given ? given.Select(Path.GetFullPath).ToArray() : [paths.CodexHome];
            var store = new SqliteUsageStore(paths.DatabasePath);
            IngestReport report;
            try
            {
                await store.MigrateAsync(ct);
                report = await new CodexIngester(store, PriceTable.Create(config.Pricing), TimeProvider.System).IngestAsync(homes, ct);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                CliContext.Error($"cannot use the database {paths.DatabasePath}: {e.Message}");
                return ExitCodes.StorageUnavailable;
            }

            if (parse.GetValue(_json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
            }
            else
            {
                Console.WriteLine($"Read {report.FilesRead} of {report.FilesSeen} session file(s) ({report.FilesUnchanged} unchanged, {report.DuplicateCopies} duplicate copies skipped): {report.CallsAdded} new call(s).");
                if (report.MalformedLines + report.OversizedLines > 0)
                {
                    Console.WriteLine($"Skipped {report.MalformedLines} malformed and {report.OversizedLines} oversized line(s).");
                }

                foreach (var problem in report.Problems)
                {
                    CliContext.Error(problem);
                }
            }

            var missing = homes.Where(h => !Directory.Exists(h)).ToList();
            return missing.Count == homes.Length ? ExitCodes.NotFound : ExitCodes.Success;
        });
    }
}
