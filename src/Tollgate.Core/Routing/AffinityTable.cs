using System.Collections.Concurrent;

namespace Tollgate.Core.Routing;

/// <summary>
/// Conversation → account bindings with a sliding time-to-live. A conversation is named by
/// whatever the client sends (Codex's session id or prompt cache key, a previous response id,
/// Claude Code's session header). Bounded: every 1024 bindings a background sweep drops the
/// expired ones, and the oldest when still over capacity.
/// </summary>
internal sealed class AffinityTable(TimeProvider time, TimeSpan ttl, int capacity = 100_000)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _writes;
    private int _sweeping;

    public bool TryGet(string key, out Guid account)
    {
        if (_entries.TryGetValue(key, out var e) && time.GetUtcNow().UtcTicks < Volatile.Read(ref e.ExpiresAt))
        {
            account = e.Account;
            return true;
        }

        account = default;
        return false;
    }

    public void Bind(string key, Guid account)
    {
        var expires = time.GetUtcNow().Add(ttl).UtcTicks;
        var entry = _entries.GetOrAdd(key, static (_, a) => new Entry(a), account);
        if (entry.Account != account)
        {
            _entries[key] = new Entry(account) { ExpiresAt = expires };
        }
        else
        {
            Volatile.Write(ref entry.ExpiresAt, expires);
        }

        if (Interlocked.Increment(ref _writes) % 1024 == 0 && Interlocked.CompareExchange(ref _sweeping, 1, 0) == 0)
        {
            // The sweep walks every binding: never on the request that happened to trigger it.
            ThreadPool.UnsafeQueueUserWorkItem(static table => table.Sweep(), this, preferLocal: false);
        }
    }

    private void Sweep()
    {
        try
        {
            SweepOnce();
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private void SweepOnce()
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var (key, e) in _entries)
        {
            if (e.ExpiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count > capacity)
        {
            // Still over: drop the entries closest to expiry.
            foreach (var (key, _) in _entries.OrderBy(kv => kv.Value.ExpiresAt).Take(_entries.Count - capacity * 3 / 4))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry(Guid account)
    {
        public readonly Guid Account = account;
        public long ExpiresAt;
    }
}
