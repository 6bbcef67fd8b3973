using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tollgate.Core.Accounts;
using Tollgate.Core.Usage.Queries;
using Tollgate.Core.Usage.Reports;
using Tollgate.Tui;

namespace Tollgate.Tests.Tui;

/// <summary>A data source that answers what the test set: fixed totals, rows, accounts and limits; live rows are pushed with <see cref="Push"/>.</summary>
internal sealed class FakeTuiDataSource : ITuiDataSource
{
    private readonly Channel<RequestRow> _live = Channel.CreateUnbounded<RequestRow>();

    public string Description => "fake source";

    public UsageFigures Totals { get; set; } = UsageFigures.Zero;

    public List<RequestRow> Rows { get; } = [];

    public List<AccountRow> AccountList { get; } = [];

    public LimitsReport Limits { get; set; } = new([], [], DateTimeOffset.UnixEpoch);

    public void Push(RequestRow row) => _live.Writer.TryWrite(row);

    public Task<UsageFigures> TotalsAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken) => Task.FromResult(Totals);

    public Task<IReadOnlyList<RequestRow>> RecentAsync(int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RequestRow>>(Rows.OrderByDescending(r => r.Time).Take(limit).ToList());

    public async IAsyncEnumerable<RequestRow> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _live.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_live.Reader.TryRead(out var row))
            {
                yield return row;
            }
        }
    }

    public Task<IReadOnlyList<AccountRow>> AccountsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<AccountRow>>(AccountList.ToList());

    public Task<LimitsReport> LimitsAsync(CancellationToken cancellationToken) => Task.FromResult(Limits);

    public static AccountRow Account(string name, string state = "ok", DateTimeOffset? until = null, bool enabled = true, AccountLimits? limits = null) => new(
        Guid.NewGuid(),
        name,
        "openai",
        "https://api.openai.com/v1",
        "openai",
        enabled,
        "sk-proj-…a1b2",
        new AccountHealthView(state, until, state == "ok" ? null : "429 from upstream"),
        new AccountUsageView(12_345, 250_000, 0.4m, 7.25m),
        limits ?? AccountLimits.None);
}

/// <summary>Records what the Accounts screen asked to change.</summary>
internal sealed class FakeAccountEditor : IAccountEditor
{
    public List<string> Calls { get; } = [];

    public Task<Account> AddAsync(string name, string baseUrl, string key, CancellationToken cancellationToken)
    {
        Calls.Add($"add {name} {baseUrl} {key}");
        return Task.FromResult(Account.Draft(name, baseUrl) with { KeyFingerprint = "sk-…" + key[^4..] });
    }

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        Calls.Add($"remove {id}");
        return Task.FromResult(true);
    }

    public Task<bool> SetEnabledAsync(Guid id, bool enabled, CancellationToken cancellationToken)
    {
        Calls.Add($"enable {id} {enabled}");
        return Task.FromResult(true);
    }
}
