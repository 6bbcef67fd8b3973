using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tollgate.Api;
using Tollgate.Core.Accounts;
using Tollgate.Core.Routing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Core.Usage.Queries;
using Tollgate.Core.Usage.Reports;
using Tollgate.Hosting;

namespace Tollgate.Tui;

/// <summary>The UI's data from the gateway running in this process: its store, queries, writer and account runtime.</summary>
internal sealed class GatewayDataSource(
    SqliteUsageStore store,
    UsageQueries queries,
    UsageWriter writer,
    AccountRuntime accounts,
    TimeProvider time,
    string description) : ITuiDataSource
{
    /// <summary>Live rows a slow UI may fall behind by before the oldest are dropped (the table reloads from the store anyway).</summary>
    private const int Backlog = 1000;

    public static GatewayDataSource From(IServiceProvider services, string description) => new(
        services.GetRequiredService<SqliteUsageStore>(),
        services.GetRequiredService<UsageQueries>(),
        services.GetRequiredService<UsageWriter>(),
        services.GetRequiredService<AccountRuntime>(),
        services.GetRequiredService<TimeProvider>(),
        description);

    public string Description => description;

    public async Task<UsageFigures> TotalsAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken) =>
        (await queries.SummaryAsync(new UsageRange("tui", from, until, TimeZoneInfo.Utc, time.GetUtcNow()), null, cancellationToken)).Totals;

    public async Task<IReadOnlyList<RequestRow>> RecentAsync(int limit, CancellationToken cancellationToken) =>
        (await store.ReadPageAsync(new RecordPage(null, null, limit), cancellationToken)).Select(RequestRow.From).ToList();

    public async IAsyncEnumerable<RequestRow> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(Backlog) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        void OnPersisted(IReadOnlyList<UsageRecord> records)
        {
            foreach (var r in records)
            {
                channel.Writer.TryWrite(r);
            }
        }

        // Persisted, not the live feed's Added: a row shown is a row the totals and the store already hold.
        writer.Persisted += OnPersisted;
        try
        {
            while (await WaitAsync(channel.Reader, cancellationToken))
            {
                while (channel.Reader.TryRead(out var r))
                {
                    yield return RequestRow.From(r);
                }
            }
        }
        finally
        {
            writer.Persisted -= OnPersisted;
        }
    }

    public Task<IReadOnlyList<AccountRow>> AccountsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AccountRow>>(accounts.Router.Snapshot().Select(x => new AccountRow(
            x.Account.Id,
            x.Account.Name,
            ProviderKinds.Name(x.Account.Provider),
            x.Account.BaseUrl,
            x.Account.PoolName,
            x.Account.Enabled,
            x.Account.KeyFingerprint,
            new AccountHealthView(HealthNames.Of(x.Health.State), x.Health.Until, x.Health.Reason),
            new AccountUsageView(x.Health.TokensToday, x.Health.TokensThisMonth, x.Health.UsdToday, x.Health.UsdThisMonth),
            x.Account.Limits)).ToList());

    public Task<LimitsReport> LimitsAsync(CancellationToken cancellationToken) =>
        LimitsReport.BuildAsync(store, time.GetUtcNow(), ApiEndpoints.ActiveWithin, cancellationToken);

    private static async Task<bool> WaitAsync(ChannelReader<UsageRecord> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
