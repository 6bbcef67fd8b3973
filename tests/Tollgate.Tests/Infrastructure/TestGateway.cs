using Tollgate.Core.Configuration;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;
using Tollgate.Hosting;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// The real gateway (the same host <c>tollgate serve</c> builds) on 127.0.0.1 with an OS-picked
/// port and a throwaway data directory.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<UsageRecord> _persisted = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private bool _stopped;

    private TestGateway(WebApplication app, AppPaths paths, string dataDir)
    {
        _app = app;
        Paths = paths;
        DataDir = dataDir;
        Writer = app.Services.GetRequiredService<UsageWriter>();
        Store = app.Services.GetRequiredService<SqliteUsageStore>();
        Live = app.Services.GetRequiredService<LiveFeed>();
        Writer.Persisted += OnPersisted;
    }

    public string BaseUrl { get; private set; } = "";
    public AppPaths Paths { get; }
    public string DataDir { get; }
    public UsageWriter Writer { get; }
    public SqliteUsageStore Store { get; }
    public LiveFeed Live { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestGateway> StartAsync(
        string? openAiBase = null,
        string? anthropicBase = null,
        Func<TollgateConfig, TollgateConfig>? configure = null,
        string? dataDir = null,
        Func<GatewaySettings, GatewaySettings>? settings = null)
    {
        dataDir ??= NewDataDir();
        var paths = new AppPaths(name => name switch
        {
            "HOME" => dataDir,
            "TOLLGATE_DATA_DIR" => dataDir,
            _ => null,
        });
        var config = new TollgateConfig
        {
            Server = new ServerConfig { Port = 0 },
            Upstreams = new UpstreamsConfig
            {
                OpenAI = openAiBase ?? "http://127.0.0.1:9/v1",
                Anthropic = anthropicBase ?? "http://127.0.0.1:9",
                ChatGpt = "http://127.0.0.1:9/backend-api/codex",
            },
        };
        config = configure?.Invoke(config) ?? config;
        var gatewaySettings = new GatewaySettings(config, paths) { ConsoleLogging = false };
        var (app, error) = GatewayHost.Build(settings?.Invoke(gatewaySettings) ?? gatewaySettings);
        Assert.True(app is not null, error);
        var gateway = new TestGateway(app!, paths, dataDir);
        await app!.StartAsync();
        gateway.BaseUrl = app.Urls.First().TrimEnd('/');
        return gateway;
    }

    /// <summary>A fresh throwaway data directory (the gateway deletes it when disposed unless told to keep it).</summary>
    public static string NewDataDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tollgate-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Keep the data directory on dispose (a test restarts a gateway on it).</summary>
    public bool KeepDataDir { get; set; }

    /// <summary>Waits until at least <paramref name="count"/> records are committed to the store.</summary>
    public async Task<IReadOnlyList<UsageRecord>> WaitForRecordsAsync(int count, TimeSpan? timeout = null)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_persisted.Count >= count)
            {
                return _persisted.ToList();
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
        }

        await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        lock (_gate)
        {
            return _persisted.ToList();
        }
    }

    /// <summary>Stops the gateway the way Ctrl+C does: in-flight requests finish, the writer drains.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _app.StopAsync();
    }

    public async Task<IReadOnlyList<UsageRecord>> ReadStoreAsync()
    {
        var list = new List<UsageRecord>();
        await foreach (var r in Store.ReadAsync(new UsageQuery(), CancellationToken.None))
        {
            list.Add(r);
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        if (KeepDataDir)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void OnPersisted(IReadOnlyList<UsageRecord> batch)
    {
        lock (_gate)
        {
            _persisted.AddRange(batch);
            foreach (var waiter in _waiters.Where(w => _persisted.Count >= w.Count).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
