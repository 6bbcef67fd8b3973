using Tollgate.Core.RateLimits;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Usage.Reports;

/// <summary>One usage window as last seen, with what was sent in it.</summary>
/// <param name="Reset">The reset time has passed since the snapshot: the used share is no longer known, and <see cref="Sent"/> counts from the reset.</param>
/// <param name="Sent">Messages typed in Codex (a home's logs) or calls through the gateway, since the window began.</param>
public sealed record LimitWindowRow(WindowKind Kind, string Slot, double? UsedPercent, int? WindowMinutes, DateTimeOffset? ResetsAt, bool Reset, long Sent);

/// <summary>The limits one source reported: a Codex home's logs or the gateway's captured headers.</summary>
public sealed record LimitSourceRow(string Source, string? Home, string? PlanType, DateTimeOffset ObservedAt, IReadOnlyList<LimitWindowRow> Windows)
{
    /// <summary>For the gateway: the ChatGPT account these limits are of ("…c3d4"), when the calls carried one.</summary>
    public string? Account { get; init; }

    /// <summary>How the source is named on screen: a home's logs, the gateway, or a ChatGPT account through the gateway.</summary>
    public string Name => Source != "gateway" ? $"{Home} (logs)" : Account is null ? "gateway" : $"gateway, ChatGPT account {Account}";
}

/// <summary>
/// <c>tollgate limits</c>: the 5-hour and weekly windows (classified by length, never by slot)
/// from the latest snapshot of each Codex home and of the gateway, when they reset, how much was
/// sent in each, and the sessions active lately with how full their context windows are.
/// </summary>
public sealed record LimitsReport(IReadOnlyList<LimitSourceRow> Sources, IReadOnlyList<CodexSession> ActiveSessions, DateTimeOffset Now)
{
    public static async Task<LimitsReport> BuildAsync(SqliteUsageStore store, DateTimeOffset now, TimeSpan activeWithin, CancellationToken cancellationToken)
    {
        var sources = new List<LimitSourceRow>();
        foreach (var seen in await store.ReadLatestLimitsAsync(cancellationToken))
        {
            var windows = new List<LimitWindowRow>();
            foreach (var w in seen.Snapshot.Windows.OrderBy(w => w.WindowMinutes ?? int.MaxValue))
            {
                var reset = w.ResetsAt is { } at && at <= now;
                DateTimeOffset? from = reset ? w.ResetsAt
                    : w.ResetsAt is { } end && w.WindowMinutes is { } minutes ? end.AddMinutes(-minutes) : null;
                var sent = from is not { } start ? 0
                    : seen.Source == "gateway" && seen.Snapshot.Account is { } account ? await store.CountGatewayCallsOfAccountAsync(account, start, now, cancellationToken)
                    : seen.Source == "gateway" ? await store.CountGatewayRequestsAsync(start, now, cancellationToken)
                    : await store.CountCodexMessagesAsync(seen.Home, start, now, cancellationToken);
                windows.Add(new LimitWindowRow(w.Kind, w.Slot, reset ? null : w.UsedPercent, w.WindowMinutes, w.ResetsAt, reset, sent));
            }

            sources.Add(new LimitSourceRow(seen.Source, seen.Home, seen.Snapshot.PlanType, seen.Snapshot.Time, windows) { Account = seen.Snapshot.Account });
        }

        var active = await store.ReadCodexSessionsAsync(now - activeWithin, cancellationToken);
        return new LimitsReport(sources, active, now);
    }
}
