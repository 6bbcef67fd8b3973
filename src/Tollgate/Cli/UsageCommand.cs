using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary><c>tollgate usage daily|weekly|monthly|session</c>: usage reports over the stored records.</summary>
internal sealed class UsageCommand : Command
{
    public UsageCommand(Option<string?> configOption)
        : base("usage", "Token and cost reports")
    {
        Subcommands.Add(new UsageReportCommand("daily", "Tokens and cost per day", ReportPeriod.Daily, configOption));
        Subcommands.Add(new UsageReportCommand("weekly", "Tokens and cost per week (weeks start on Monday unless --week-start says otherwise)", ReportPeriod.Weekly, configOption));
        Subcommands.Add(new UsageReportCommand("monthly", "Tokens and cost per month", ReportPeriod.Monthly, configOption));
        Subcommands.Add(new UsageReportCommand("session", "Tokens and cost per session (Codex thread or client session id)", null, configOption));
    }
}

/// <summary>Options every usage report takes.</summary>
internal sealed class ReportOptions
{
    public Option<bool> Json { get; } = new("--json", "-j") { Description = "Print JSON (ccusage-compatible field names) and nothing else" };
    public Option<string?> Since { get; } = new("--since", "-s") { Description = "First day (YYYY-MM-DD or YYYYMMDD), in the report's time zone" };
    public Option<string?> Until { get; } = new("--until", "-u") { Description = "Last day, inclusive (YYYY-MM-DD or YYYYMMDD)" };
    public Option<string?> TimeZone { get; } = new("--timezone", "-z") { Description = "IANA time zone for day boundaries (default: the system's)" };
    public Option<string> Source { get; } = new("--source") { Description = "gateway, codex-log or all", DefaultValueFactory = _ => "all" };
    public Option<bool> Breakdown { get; } = new("--breakdown", "-b") { Description = "Show one row per model under each period" };
    public Option<string> Order { get; } = new("--order", "-o") { Description = "asc (oldest first) or desc", DefaultValueFactory = _ => "asc" };
    public Option<bool> NoCost { get; } = new("--no-cost") { Description = "Leave cost out of the table and the JSON" };
    public Option<bool> Compact { get; } = new("--compact") { Description = "Fewer columns, for narrow terminals" };
    public Option<string> WeekStart { get; } = new("--week-start") { Description = "First day of a week for the weekly report", DefaultValueFactory = _ => "monday" };
    public Option<bool> NoIngest { get; } = new("--no-ingest") { Description = "Do not read new Codex session-log lines first" };

    public void AddTo(Command command, bool weekly)
    {
        foreach (var option in new Option[] { Json, Since, Until, TimeZone, Source, Breakdown, Order, NoCost, Compact, NoIngest })
        {
            command.Options.Add(option);
        }

        if (weekly)
        {
            command.Options.Add(WeekStart);
        }
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

        var order = parse.GetValue(Order)?.ToLowerInvariant();
        if (order is not ("asc" or "desc"))
        {
            return (null, $"--order must be asc or desc, got '{order}'");
        }

        var weekStartText = parse.GetValue(WeekStart) ?? "monday"; // only the weekly report has the option
        if (!Enum.TryParse<DayOfWeek>(weekStartText, ignoreCase: true, out var weekStart) || int.TryParse(weekStartText, out _))
        {
            return (null, $"--week-start must be a day of the week (monday … sunday), got '{weekStartText}'");
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

        return (new ReportRange(since, until, zone, source == "all" ? null : source) { Descending = order == "desc", WeekStart = weekStart }, null);
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

/// <summary>One usage report: a period report (<c>daily</c>, <c>weekly</c>, <c>monthly</c>) or the <c>session</c> report.</summary>
internal sealed class UsageReportCommand : Command
{
    private readonly ReportOptions _options = new();
    private readonly ReportPeriod? _period;

    public UsageReportCommand(string name, string description, ReportPeriod? period, Option<string?> configOption)
        : base(name, description)
    {
        _period = period;
        _options.AddTo(this, weekly: period == ReportPeriod.Weekly);
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

        // A report is a short process, so the slow first steps overlap: SQLite is opened while
        // the config loads, and the report is built while the Codex logs are checked for new
        // lines — and built again if they had any, so it is always current.
        var opened = CliContext.OpenStoreInBackground(parse.GetValue(configOption), cancellationToken);
        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        if (await opened is not { } store)
        {
            return ExitCodes.StorageUnavailable;
        }

        var report = Task.Run(() => BuildAsync(store, range, cancellationToken), cancellationToken);
        if (!parse.GetValue(_options.NoIngest))
        {
            if ((await Ingestion.RunBeforeReportAsync(paths, config, cancellationToken))?.Changed == true)
            {
                await report; // not current any more
                report = BuildAsync(store, range, cancellationToken);
            }
        }

        var view = new ReportView(parse.GetValue(_options.Breakdown), !parse.GetValue(_options.NoCost), parse.GetValue(_options.Compact));
        var built = await report;
        if (parse.GetValue(_options.Json))
        {
            await using var stdout = Console.OpenStandardOutput();
            await (built is PeriodReport periods
                ? ReportJson.WritePeriodsAsync(stdout, periods, view, cancellationToken)
                : ReportJson.WriteSessionsAsync(stdout, (SessionReport)built, view, cancellationToken));
            return ExitCodes.Success;
        }

        // Spectre's console only for tables: setting it up (the terminal's capabilities) costs a JSON run 8 ms.
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 200; // a file or a pipe has no width: do not wrap model names
        }

        if (built is PeriodReport table)
        {
            ReportTables.WritePeriods(console, table, view);
        }
        else
        {
            ReportTables.WriteSessions(console, (SessionReport)built, view);
        }

        return ExitCodes.Success;
    }

    private async Task<object> BuildAsync(SqliteUsageStore store, ReportRange range, CancellationToken cancellationToken)
    {
        if (_period is { } period)
        {
            return await PeriodReport.BuildAsync(store, range, period, cancellationToken);
        }

        var codexSessions = (await store.ReadCodexSessionsAsync(null, cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        return await SessionReport.BuildAsync(store, range, codexSessions, cancellationToken);
    }
}

/// <summary>How a report is shown.</summary>
internal sealed record ReportView(bool Breakdown, bool ShowCost, bool Compact);
