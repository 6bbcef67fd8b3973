using Tollgate.Core.Pricing;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;

namespace Tollgate.Hosting;

/// <summary>
/// Starts the usage pipeline before the server accepts requests (schema migration, writer
/// loop) and drains it after the server has stopped and finished its in-flight requests, so a
/// Ctrl+C or SIGTERM loses no record.
/// </summary>
internal sealed class UsagePipelineService(IUsageStore store, UsageWriter writer, PriceEditor prices) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        await prices.LoadAsync(cancellationToken);
        writer.Start();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // StoppedAsync runs after every hosted service's StopAsync, the web server's included.
    public Task StoppedAsync(CancellationToken cancellationToken) => writer.StopAsync(CancellationToken.None);
}
