using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tollgate.Core.RateLimits;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Cli;

/// <summary><c>tollgate limits</c>: the Codex usage windows, when they reset, what was sent in each, and active sessions' context use.</summary>
internal sealed class LimitsCommand : Command
{
    private readonly Option<bool> _json = new("--json", "-j") { Description = "Print JSON and nothing else" };
    private readonly Option<int> _active = new("--active-minutes") { Description = "A session counts as active if it did something this many minutes ago or later", DefaultValueFactory = _ => 30 };
    private readonly Option<bool> _noIngest = new("--no-ingest") { Description = "Do not read new Codex session-log lines first" };

    public LimitsCommand(Option<string?> configOption)
        : base("limits", "Codex usage limits (5-hour and weekly windows) and active sessions' context use")
    {
        Options.Add(_json);
        Options.Add(_active);
        Options.Add(_noIngest);
        SetAction((parse, ct) => RunAsync(parse, configOption, ct));
    }

    private async Task<int> RunAsync(ParseResult parse, Option<string?> configOption, CancellationToken cancellationToken)
    {
        if (parse.GetValue(_active) is < 1 or > 525_600)
        {
            CliContext.Error($"--active-minutes must be between 1 and 525600, got {parse.GetValue(_active)}");
            return ExitCodes.InvalidArguments;
        }

        var (paths, config) = CliContext.Load(parse.GetValue(configOption));
        if (config is null)
        {
            return ExitCodes.InvalidConfig;
        }

        if (!parse.GetValue(_noIngest))
        {
            await Ingestion.RunBeforeReportAsync(paths, config, cancellationToken);
        }

        if (await CliContext.OpenStoreAsync(paths.DatabasePath, cancellationToken) is not { } store)
        {
            return ExitCodes.StorageUnavailable;
        }

        var report = await LimitsReport.BuildAsync(store, TimeProvider.System.GetUtcNow(), TimeSpan.FromMinutes(parse.GetValue(_active)), cancellationToken);
        if (parse.GetValue(_json))
        {
            await using var stdout = Console.OpenStandardOutput();
            await WriteJsonAsync(stdout, report, cancellationToken);
        }
        else
        {
            Write(AnsiConsole.Console, report);
        }

        return ExitCodes.Success;
    }

    private static void Write(IAnsiConsole console, LimitsReport report)
    {
        if (report.Sources.Count == 0)
        {
            console.MarkupLine("[grey]No usage limits seen yet.[/] Codex writes them into its session logs when you use a ChatGPT plan; the gateway captures them from the headers.");
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).Title("Usage limits");
            table.AddColumn("Source");
            table.AddColumn("Plan");
            table.AddColumn("Window");
            table.AddColumn(new TableColumn("Used").RightAligned());
            table.AddColumn("Resets");
            table.AddColumn(new TableColumn("Sent in window").RightAligned());
            foreach (var source in report.Sources)
            {
                var name = source.Name;
                var first = true;
                foreach (var w in source.Windows)
                {
                    table.AddRow(
                        first ? Markup.Escape(name) : "",
                        first ? Markup.Escape(source.PlanType ?? "") : "",
                        LimitsText.KindName(w.Kind, w.WindowMinutes),
                        w.Reset ? "[grey]reset[/]" : w.UsedPercent is { } used ? Bar(used / 100) + " " + used.ToString("0.#", CultureInfo.InvariantCulture) + " %" : "?",
                        Markup.Escape(LimitsText.Resets(w, report.Now)),
                        w.Sent.ToString("N0", CultureInfo.InvariantCulture) + (source.Source == "gateway" ? " calls" : " messages"));
                    first = false;
                }
            }

            console.Write(table);
        }

        if (report.ActiveSessions.Count == 0)
        {
            console.MarkupLine("[grey]No Codex session active lately.[/]");
            return;
        }

        var sessions = new Table().Border(TableBorder.Rounded).Title("Active Codex sessions");
        sessions.AddColumn("Session");
        sessions.AddColumn("Directory");
        sessions.AddColumn("Model");
        sessions.AddColumn("Last activity");
        sessions.AddColumn("Context window");
        foreach (var s in report.ActiveSessions)
        {
            var context = s.ContextUse is { } use
                ? $"{Bar(use)} {s.LastInputTokens:N0} / {s.ContextWindow:N0} ({use * 100:0} %)"
                : "?";
            sessions.AddRow(
                Markup.Escape(s.Id),
                Markup.Escape(s.Cwd ?? ""),
                Markup.Escape(s.Model ?? ""),
                s.LastActivity is { } at ? Markup.Escape(LimitsText.Ago(report.Now - at)) : "",
                context);
        }

        console.Write(sessions);
    }

    /// <summary>A ten-cell bar, yellow from 70 % and red from 90 %.</summary>
    private static string Bar(double share)
    {
        share = Math.Clamp(share, 0, 1);
        var filled = (int)Math.Round(share * 10);
        var color = share >= 0.9 ? "red" : share >= 0.7 ? "yellow" : "green";
        return $"[{color}]{new string('█', filled)}[/][grey]{new string('░', 10 - filled)}[/]";
    }

    internal static async Task WriteJsonAsync(Stream stream, LimitsReport report, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("limits");
        foreach (var source in report.Sources)
        {
            json.WriteStartObject();
            json.WriteString("source", source.Source);
            json.WriteString("home", source.Home);
            json.WriteString("account", source.Account);
            json.WriteString("planType", source.PlanType);
            json.WriteString("observedAt", source.ObservedAt);
            json.WriteStartArray("windows");
            foreach (var w in source.Windows)
            {
                json.WriteStartObject();
                json.WriteString("kind", w.Kind switch { WindowKind.FiveHour => "5h", WindowKind.Weekly => "weekly", WindowKind.Other => "other", _ => "unknown" });
                json.WriteString("slot", w.Slot);
                json.WriteNumberOrNull("windowMinutes", w.WindowMinutes);
                json.WriteNumberOrNull("usedPercent", w.UsedPercent);
                json.WriteString("resetsAt", w.ResetsAt?.ToString("O", CultureInfo.InvariantCulture));

                json.WriteBoolean("reset", w.Reset);
                json.WriteNumber(source.Source == "gateway" ? "callsInWindow" : "messagesInWindow", w.Sent);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("activeSessions");
        foreach (var s in report.ActiveSessions)
        {
            json.WriteStartObject();
            json.WriteString("sessionId", s.Id);
            json.WriteString("home", s.Home);
            json.WriteString("cwd", s.Cwd);
            json.WriteString("model", s.Model);
            json.WriteString("lastActivity", s.LastActivity?.ToString("O", CultureInfo.InvariantCulture));
            json.WriteNumberOrNull("contextWindow", s.ContextWindow);
            json.WriteNumberOrNull("lastInputTokens", s.LastInputTokens);
            json.WriteNumberOrNull("contextUse", s.ContextUse);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }
}
