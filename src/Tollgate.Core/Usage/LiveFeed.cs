namespace Tollgate.Core.Usage;

/// <summary>
/// The most recent records in memory (a ring buffer), for the TUI, the dashboard and tests.
/// Written only by the usage writer, off the request path.
/// </summary>
public sealed class LiveFeed
{
    private readonly UsageRecord?[] _ring;
    private readonly Lock _gate = new();
    private long _count;

    public LiveFeed(int capacity = 500) => _ring = new UsageRecord?[capacity];

    /// <summary>Raised after records were added, on the writer's thread.</summary>
    public event Action<IReadOnlyList<UsageRecord>>? Added;

    public int Capacity => _ring.Length;

    /// <summary>How many records have passed through since start.</summary>
    public long TotalSeen => Interlocked.Read(ref _count);

    public void Add(IReadOnlyList<UsageRecord> records)
    {
        lock (_gate)
        {
            foreach (var r in records)
            {
                _ring[_count % _ring.Length] = r;
                _count++;
            }
        }

        Added?.Invoke(records);
    }

    /// <summary>The buffered records, newest first.</summary>
    public IReadOnlyList<UsageRecord> Snapshot()
    {
        lock (_gate)
        {
            var n = (int)Math.Min(_count, _ring.Length);
            var list = new List<UsageRecord>(n);
            for (var i = 1; i <= n; i++)
            {
                list.Add(_ring[(_count - i) % _ring.Length]!);
            }

            return list;
        }
    }
}
