using Tollgate.Core.Pricing;

namespace Tollgate.Hosting;

/// <summary>
/// Takes up price edits made by another process (<c>tollgate pricing set|remove|import</c> on
/// the same database) within five seconds: new calls are priced with them from then on, as
/// with an edit made in this gateway's own dashboard.
/// </summary>
internal sealed partial class PriceReloader(PriceEditor prices, TimeProvider time, ILogger<PriceReloader> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
                await CheckAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or System.Text.Json.JsonException)
            {
                LogReloadFailed(logger, ex); // the prices loaded last stay in force; the next round tries again
            }
        }
    }

    /// <summary>One round: takes the stored edits up when they changed; true when they had.</summary>
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        var changed = await prices.ReloadIfChangedAsync(cancellationToken);
        if (changed)
        {
            LogReloaded(logger);
        }

        return changed;
    }

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Prices were edited outside this gateway: new calls are priced with the edits")]
    private static partial void LogReloaded(ILogger logger);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Could not read the stored price edits; the prices in force stay")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
