using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary><c>tollgate usage …</c>: usage reports over the stored records.</summary>
internal sealed class UsageCommand : Command
{
    public UsageCommand(Option<string?> configOption)
        : base("usage", "Token and cost reports")
    {
        Subcommands.Add(new UsageDailyCommand(configOption));
    }
}

/// <summary>Options every usage report takes.</summary>
internal sealed class ReportOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON (ccusage-compatible field names) and nothing else" };
    public Option<string?> Since { get; } = new("--since") { Description = "First day (YYYY-MM-DD or YYYYMMDD), in the report's time zone" };
    public Option<string?> Until { get; } = new("--until") { Description = "Last day, inclusive (YYYY-MM-DD or YYYYMMDD)" };
    public Option<string?> TimeZone { get; } = new("--timezone", "-z") { Description = "IANA time zone for day boundaries (default: the system's)" };
    public Option<string> Source { get; } = new("--source") { Description = "gateway, codex-log or all", DefaultValueFactory = _ => "all" };
    public Option<bool> Breakdown { get; } = new("--breakdown", "-b") { Description = "Show one row per model under each period" };
    public Option<bool> NoIngest { get; } = new("--no-ingest") { Description = "Do not read new Codex session-log lines first" };

    public void AddTo(Command command)
    {
        command.Options.Add(Json);
        command.Options.Add(Since);
        command.Options.Add(Until);
        command.Options.Add(TimeZone);
        command.Options.Add(Source);
        command.Options.Add(Breakdown);
        command.Options.Add(NoIngest);
    }

    /// <summary>Validates the options into a range, or returns an error message naming the option.</summary>
    public (ReportRange? Range, string? Error) Parse(ParseResult parse)
    {
        TimeZoneInfo zone;
        var zoneName = parse.GetValue(TimeZone);
        if (zoneName is null)
        {
            zone = TimeZoneInfo.Local;
        }
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneName, out zone!))
        {
            return (null, $"--timezone: unknown time zone '{zoneName}' (use an IANA name such as Europe/Berlin or UTC)");
        }

        var source = parse.GetValue(Source)?.ToLowerInvariant();
        if (source is not ("all" or "gateway" or "codex-log"))
        {
            return (null, $"--source must be gateway, codex-log or all, got '{source}'");
        }

        if (!TryDate(parse.GetValue(Since), out var since))
        {
            return (null, $"--since: '{parse.GetValue(Since)}' is not a date (YYYY-MM-DD or YYYYMMDD)");
        }

        if (!TryDate(parse.GetValue(Until), out var until))
        {
            return (null, $"--until: '{parse.GetValue(Until)}' is not a date (YYYY-MM-DD or YYYYMMDD)");
        }

        if (since > until)
        {
            return (null, $"--since ({since:yyyy-MM-dd}) is after --until ({until:yyyy-MM-dd})");
        }

        return (new ReportRange(since, until, zone, source == "all" ? null : source), null);
    }

    private static bool TryDate(string? text, out DateOnly? date)
    {
        date = null;
        if (text is null)
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, ["yyyy-MM-dd", "yyyyMMdd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            date = d;
            return true;
        }

        return false;
    }
}

/// <summary><c>tollgate usage daily</c>.</summary>
internal sealed class UsageDailyCommand : Command
{
    private readonly ReportOptions _options = new();

    public UsageDailyCommand(Option<string?> configOption)
        : base("daily", "Tokens and cost per day")
    {
        _options.AddTo(this);
        SetAction((parse, cancellationToken) => RunAsync(parse, configOption, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parse, Option<string?> configOption, CancellationToken cancellationToken)
    {
        var (range, error) = _options.Parse(parse);
        if (range is null)
        {
            CliContext.Error(error!);
            return ExitCodes.InvalidArguments;
        }

        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        if (!parse.GetValue(_options.NoIngest))
        {
            // Reports are always current: what the Codex logs added since the last run is read first.
            var (ingested, _, _) = await Ingestion.RunAsync(paths, config, null, cancellationToken);
            foreach (var problem in ingested?.Problems ?? [])
            {
                Console.Error.WriteLine($"warning: {problem}");
            }
        }

        var store = new SqliteUsageStore(paths.DatabasePath);
        try
        {
            await store.MigrateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            CliContext.Error($"cannot open the usage database {paths.DatabasePath}: {ex.Message}");
            return ExitCodes.StorageUnavailable;
        }

        var report = await DailyReport.BuildAsync(store, range, cancellationToken);
        if (parse.GetValue(_options.Json))
        {
            await using var stdout = Console.OpenStandardOutput();
            await ReportJson.WriteDailyAsync(stdout, report, cancellationToken);
            return ExitCodes.Success;
        }

        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 200; // a file or a pipe has no width: do not wrap model names
        }

        ReportTables.WriteDaily(console, report, parse.GetValue(_options.Breakdown));
        return ExitCodes.Success;
    }
}
