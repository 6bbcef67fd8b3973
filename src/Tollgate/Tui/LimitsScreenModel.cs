using System.Globalization;
using Tollgate.Cli;
using Tollgate.Core.Usage.Reports;

namespace Tollgate.Tui;

/// <summary>
/// What the Limits &amp; sessions screen shows: each source's 5-hour and weekly windows with how
/// much is used and when they reset (counting down), and the Codex sessions active lately with
/// how full their context windows are.
/// </summary>
internal sealed class LimitsScreenModel(ITuiDataSource source, TimeProvider time)
{
    public const string SessionHeader = "Session   Model            Context window           Last call  Directory";

    private LimitsReport? _report;

    public LimitsReport? Report => Volatile.Read(ref _report);

    public async Task RefreshAsync(CancellationToken cancellationToken) =>
        Volatile.Write(ref _report, await source.LimitsAsync(cancellationToken));

    /// <summary>One line per window; the countdowns are measured from now, not from the last query.</summary>
    public IReadOnlyList<string> WindowLines()
    {
        if (Report is not { } report)
        {
            return ["Loading…"];
        }

        if (report.Sources.Count == 0)
        {
            return ["No usage limits seen yet: Codex logs them on a ChatGPT plan, and the gateway reads them from response headers."];
        }

        var now = time.GetUtcNow();
        var lines = new List<string>();
        foreach (var s in report.Sources)
        {
            var name = s.Source != "gateway" ? s.Home ?? "codex" : s.Account is { } account ? $"gateway, ChatGPT {account}" : "gateway";
            lines.Add(s.PlanType is { } plan ? $"{name} ({plan})" : name);
            foreach (var w in s.Windows)
            {
                var used = w.Reset ? "reset     " : w.UsedPercent is { } p ? TuiFormat.Bar(p / 100) : "?         ";
                var percent = w.UsedPercent is { } q && !w.Reset ? q.ToString("0.#", CultureInfo.InvariantCulture) + " %" : "";
                var sent = w.Sent.ToString("N0", CultureInfo.InvariantCulture) + (s.Source == "gateway" ? " calls" : " msgs");
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {LimitsText.KindName(w.Kind, w.WindowMinutes),-8} {used} {percent,7}  {sent,-11} resets {LimitsText.Resets(w, now)}"));
            }
        }

        return lines;
    }

    public IReadOnlyList<string> SessionLines()
    {
        if (Report is not { } report)
        {
            return [];
        }

        var now = time.GetUtcNow();
        return report.ActiveSessions.Select(s =>
        {
            var context = s.ContextUse is { } use
                ? $"{TuiFormat.Bar(use)} {TuiFormat.Percent(use),5} {TuiFormat.Tokens(s.LastInputTokens ?? 0),6}"
                : TuiFormat.Fit("?", 23);
            var ago = s.LastActivity is { } at ? LimitsText.Ago(now - at) : "";
            return $"{TuiFormat.Fit(s.Id, 9)} {TuiFormat.Fit(s.Model ?? "?", 16)} {context} {ago,10}  {s.Cwd}";
        }).ToList();
    }
}
