using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Tollgate.Core.CodexLogs;
using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;

namespace Tollgate.Cli;

/// <summary>Ingestion as the CLI runs it: by <c>tollgate ingest</c>, and before every usage report.</summary>
internal static class Ingestion
{
    /// <summary>Brings the store up to date before a report, so it is current; problems are warnings on stderr, never the end of the report.</summary>
    public static async Task<IngestReport?> RunBeforeReportAsync(Core.Configuration.AppPaths paths, Core.Configuration.TollgateConfig config, CancellationToken cancellationToken)
    {
        var (ingested, _, _) = await RunAsync(paths, config, null, cancellationToken);
        foreach (var problem in ingested?.Problems ?? [])
        {
            Console.Error.WriteLine($"warning: {problem}");
        }

        return ingested;
    }

    /// <summary>Ingests the given homes, else the resolved ones; the report is null when the store cannot be used.</summary>
    public static async Task<(IngestReport? Report, IReadOnlyList<string> Homes, string? Error)> RunAsync(
        Core.Configuration.AppPaths paths,
        Core.Configuration.TollgateConfig config,
        string[]? homesGiven,
        CancellationToken cancellationToken,
        IProgress<(int Done, int Total)>? progress = null)
    {
        var database = new SqliteDatabase(paths.DatabasePath);
        try
        {
            await database.MigrateAsync(cancellationToken);
            var homes = homesGiven is { Length: > 0 }
                ? homesGiven.Select(CodexHomes.Normalize).ToList()
                : CodexHomes.ToRead(await new CodexHomes(database, TimeProvider.System).ResolveAsync(paths, config, cancellationToken));
            if (homes.Count == 0)
            {
                return (new IngestReport(0, 0, 0, 0, 0, 0, 0, 0, []), [paths.CodexHome], null); // no Codex on this machine: nothing to read, nothing wrong
            }

            var store = new SqliteUsageStore(database);
            return (await new CodexIngester(store, PriceTable.Create(config.Pricing, await store.ReadPriceOverridesAsync(cancellationToken)), TimeProvider.System).IngestAsync(homes, cancellationToken, progress), homes, null);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            return (null, [], $"cannot use the database {paths.DatabasePath}: {e.Message}");
        }
    }
}

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
            var opened = CliContext.OpenStoreInBackground(parse.GetValue(configOption), ct); // created, on a first run
            var (paths, config) = CliContext.Load(parse.GetValue(configOption));
            if (config is null)
            {
                return ExitCodes.InvalidConfig;
            }

            if (await opened is null)
            {
                return ExitCodes.StorageUnavailable;
            }

            var json = parse.GetValue(_json);
            var (report, homes, error) = json || Console.IsOutputRedirected
                ? await Ingestion.RunAsync(paths, config, parse.GetValue(_homes), ct)
                : await WithProgressBarAsync(progress => Ingestion.RunAsync(paths, config, parse.GetValue(_homes), ct, progress));
            if (report is null)
            {
                CliContext.Error(error!);
                return ExitCodes.StorageUnavailable;
            }

            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(report, IngestReportJson.Default.IngestReport));
            }
            else
            {
                Console.WriteLine($"Read {report.FilesRead} of {report.FilesSeen} session file(s) ({report.FilesUnchanged} unchanged, {report.DuplicateCopies} duplicate copies skipped): {report.CallsAdded} new call(s), in {report.ElapsedMs:0} ms.");
                if (report.MalformedLines + report.OversizedLines > 0)
                {
                    Console.WriteLine($"Skipped {report.MalformedLines} malformed and {report.OversizedLines} oversized line(s).");
                }

                foreach (var problem in report.Problems)
                {
                    CliContext.Error(problem);
                }
            }

            if (homes.All(h => !Directory.Exists(h)))
            {
                if (report.Problems.Count == 0)
                {
                    CliContext.Error($"no Codex home at {string.Join(", ", homes)}: set CODEX_HOME, pass --home DIR, or add one with 'tollgate homes add DIR'");
                }

                return ExitCodes.NotFound;
            }

            return ExitCodes.Success;
        });
    }

    /// <summary>Runs the ingestion under a progress bar (files done out of files to look at) that clears when it ends.</summary>
    private static async Task<T> WithProgressBarAsync<T>(Func<IProgress<(int Done, int Total)>, Task<T>> run)
    {
        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Reading Codex session logs", maxValue: 1);
                context.Refresh(); // drawn at once, not at the first tick: a short ingest would end before it
                result = await run(new BarProgress(task));
                task.StopTask();
            });
        return result;
    }

    /// <summary>Moves a Spectre progress task; called from the ingester's worker threads.</summary>
    private sealed class BarProgress(ProgressTask task) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
        }
    }
}

/// <summary>
/// The report as <c>tollgate ingest --json</c> prints it (web casing, indented), its serializer
/// generated at compile time: the reflection-based one cost every such run 70 ms of start-up.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(IngestReport))]
internal sealed partial class IngestReportJson : JsonSerializerContext;
