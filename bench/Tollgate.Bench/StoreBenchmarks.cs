using BenchmarkDotNet.Attributes;
using Tollgate.Core.Storage;
using Tollgate.Core.Usage;

namespace Tollgate.Bench;

/// <summary>The writer side of metering, per batch of 256 records: the SQLite transaction and the request-log lines.</summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private const int Batch = 256;
    private UsageRecord[] _records = [];
    private SqliteUsageStore _store = null!;
    private RequestLog _log = null!;
    private string _dir = "";

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Directory.CreateTempSubdirectory("tollgate-bench-").FullName;
        _store = new SqliteUsageStore(Path.Combine(_dir, "b.db"));
        await _store.MigrateAsync(CancellationToken.None);
        _log = new RequestLog(Path.Combine(_dir, "logs", "requests.jsonl"), maxBytes: 64L * 1024 * 1024);
        var start = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        _records = Enumerable.Range(0, Batch).Select(i => new UsageRecord
        {
            Id = Guid.CreateVersion7(),
            Time = start.AddMilliseconds(i),
            Source = "gateway",
            Service = "openai",
            Endpoint = "/v1/responses",
            Status = 200,
            Model = i % 3 == 0 ? "gpt-5.1-codex" : "gpt-5.2",
            Stream = true,
            LatencyMs = 812.5,
            TimeToFirstByteMs = 95.2,
            UsageState = UsageState.Reported,
            Usage = new TokenUsage(20000, 18000, 0, 300, 100),
            CostUsd = 0.00123m,
            SessionId = "0199a000-0000-7000-8000-000000000001",
        }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task SqliteAppendPerRecord()
    {
        // Fresh ids each time (INSERT OR IGNORE would otherwise skip the work), and later times, as
        // the gateway's calls have: the same 256 times again on every invocation put each batch's
        // index entries on 256 different pages of an ever longer run of equal keys, which measured
        // 44-74 µs a record instead of about 12.
        for (var i = 0; i < _records.Length; i++)
        {
            _records[i] = _records[i] with { Id = Guid.CreateVersion7(), Time = _records[i].Time.AddMilliseconds(Batch) }; // time-ordered, as the gateway makes them
        }

        await _store.AppendAsync(_records, CancellationToken.None);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void RequestLogLinePerRecord() => _log.Append(_records);
}
