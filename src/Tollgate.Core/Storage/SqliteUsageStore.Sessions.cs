using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Tollgate.Core.Storage;

/// <summary>
/// One session's usage from the sources asked for: its first and last activity and its sums per
/// model (model "" = unknown; each source's share of a model added up).
/// </summary>
/// <param name="Models">The models, read-only: sessions with the same models, in the same order, share one list.</param>
/// <param name="Sums">Nine counts per model, in the order of <see cref="SummaryCounts"/>'s properties (cost in pico-dollars).</param>
/// <remarks>A value, so that a read of every session of a large store is one array of them, not an object each.</remarks>
public readonly record struct SessionUsage(string SessionId, DateTimeOffset FirstActivity, DateTimeOffset LastActivity, IReadOnlyList<string> Models, ReadOnlyMemory<long> Sums)
{
    /// <summary>How many counts each model has in <see cref="Sums"/>.</summary>
    public const int CountsPerModel = 9;
}

/// <summary>
/// The session report's read: <c>session_totals</c> holds one row per session and source with its
/// models' sums packed in one blob (see <see cref="PackedPart"/>). The rows are read through
/// <see cref="RawQuery"/>, so that each blob is read where SQLite holds it: a report of every
/// session of a large store reads about 20 MB of them.
/// </summary>
public sealed partial class SqliteUsageStore
{
    public async Task<IReadOnlyList<SessionUsage>> ReadSessionsAsync(
        DateTimeOffset? from, DateTimeOffset? until, string? source, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var filter = source is null ? "" : " AND source = $source";
        // Every session (and source) with activity since $from: the index on last_ms finds them;
        // whether the session's last activity is also before $until is decided below, once its
        // sources are together.
        var sql = $"""
            SELECT session_id, first_ms, last_ms, parts FROM session_totals
            WHERE 1 = 1{filter}{(from is null ? "" : $" AND session_id IN (SELECT session_id FROM session_totals WHERE last_ms >= $from{filter})")}
            ORDER BY session_id
            """;
        using var query = new RawQuery(connection, sql);
        query.Bind("$source", source);
        if (from is not null)
        {
            query.Bind("$from", from.Value.ToUnixTimeMilliseconds());
        }

        return await ReadSessionsAsync(query, until?.ToUnixTimeMilliseconds() ?? long.MaxValue, cancellationToken);
    }

    /// <summary>
    /// Reads the rows in two stages on two threads: this one steps SQLite and copies each row into
    /// a batch, a worker adds the batches up into sessions. The two take about as long as each
    /// other, so a read of every session of a large store takes about half as long as one thread
    /// doing both.
    /// </summary>
    private static async Task<List<SessionUsage>> ReadSessionsAsync(RawQuery query, long untilMs, CancellationToken cancellationToken)
    {
        using var full = new BlockingCollection<RowBatch>(boundedCapacity: 8);
        var empty = new ConcurrentQueue<RowBatch>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var adding = Task.Run(
            () =>
            {
                try
                {
                    return AddUp(full, empty, untilMs, stop.Token);
                }
                catch
                {
                    stop.Cancel(); // this thread stops taking batches: the reading one must not wait for it
                    throw;
                }
            },
            CancellationToken.None);
        try
        {
            var batch = new RowBatch();
            while (query.Read())
            {
                batch.Add(query.Bytes(0), query.Int64(1), query.Int64(2), query.IsText(3), query.Bytes(3));
                if (batch.IsFull)
                {
                    full.Add(batch, stop.Token);
                    batch = empty.TryDequeue(out var used) ? used : new RowBatch();
                }
            }

            full.Add(batch, stop.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // the adding thread failed: its error follows
        }
        catch
        {
            // SQLite failed or the read was cancelled: the worker is stopped and waited for, so that
            // nothing it uses is disposed under it (its own outcome no longer matters).
            await stop.CancelAsync();
            await Task.WhenAny(adding);
            throw;
        }
        finally
        {
            full.CompleteAdding();
        }

        return await adding;
    }

    /// <summary>The worker's stage of <see cref="ReadSessionsAsync(RawQuery, long, CancellationToken)"/>: rows of one session follow each other.</summary>
    private static List<SessionUsage> AddUp(BlockingCollection<RowBatch> full, ConcurrentQueue<RowBatch> empty, long untilMs, CancellationToken cancellationToken)
    {
        var sessions = new List<SessionUsage>();
        var names = ByteStrings.Utf8();
        var hexNames = new ByteStrings(hex => Encoding.UTF8.GetString(Convert.FromHexString(Encoding.ASCII.GetString(hex))));
        var session = new SessionParts();
        foreach (var batch in full.GetConsumingEnumerable(cancellationToken))
        {
            var rows = batch.Rows();
            while (rows.Next(out var id, out var firstMs, out var lastMs, out var text, out var parts))
            {
                if (!session.Is(id))
                {
                    session.AddTo(sessions, untilMs);
                    session.Start(id);
                }

                if (text)
                {
                    session.AddText(firstMs, lastMs, parts, hexNames);
                }
                else
                {
                    session.Add(firstMs, lastMs, parts, names);
                }
            }

            batch.Clear();
            empty.Enqueue(batch);
        }

        session.AddTo(sessions, untilMs);
        return sessions;
    }

    /// <summary>
    /// Rows copied out of SQLite for the adding thread, one after another in one buffer: the
    /// session id's length (4 bytes) and bytes, first and last activity (8 bytes each), whether the
    /// parts are text (1 byte), the parts' length (4 bytes) and bytes.
    /// </summary>
    private sealed class RowBatch
    {
        /// <summary>Bytes a batch holds before it is handed over; under the large-object heap's threshold.</summary>
        private const int Size = 64 * 1024;

        private byte[] _bytes = new byte[Size];
        private int _length;

        public bool IsFull => _length >= Size;

        public void Add(ReadOnlySpan<byte> id, long firstMs, long lastMs, bool text, ReadOnlySpan<byte> parts)
        {
            var need = _length + 4 + id.Length + 8 + 8 + 1 + 4 + parts.Length;
            if (need > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(need, _bytes.Length * 2)); // a row larger than a batch
            }

            var to = _bytes.AsSpan(_length);
            BinaryPrimitives.WriteInt32LittleEndian(to, id.Length);
            id.CopyTo(to[4..]);
            to = to[(4 + id.Length)..];
            BinaryPrimitives.WriteInt64LittleEndian(to, firstMs);
            BinaryPrimitives.WriteInt64LittleEndian(to[8..], lastMs);
            to[16] = text ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt32LittleEndian(to[17..], parts.Length);
            parts.CopyTo(to[21..]);
            _length = need;
        }

        public void Clear() => _length = 0;

        public RowReader Rows() => new(_bytes.AsSpan(0, _length));

        /// <summary>The rows of a batch, in the order they were added.</summary>
        public ref struct RowReader(ReadOnlySpan<byte> rest)
        {
            private ReadOnlySpan<byte> _rest = rest;

            public bool Next(out ReadOnlySpan<byte> id, out long firstMs, out long lastMs, out bool text, out ReadOnlySpan<byte> parts)
            {
                if (_rest.IsEmpty)
                {
                    id = parts = default;
                    (firstMs, lastMs, text) = (0, 0, false);
                    return false;
                }

                var idLength = BinaryPrimitives.ReadInt32LittleEndian(_rest);
                id = _rest.Slice(4, idLength);
                var after = _rest[(4 + idLength)..];
                firstMs = BinaryPrimitives.ReadInt64LittleEndian(after);
                lastMs = BinaryPrimitives.ReadInt64LittleEndian(after[8..]);
                text = after[16] != 0;
                var partsLength = BinaryPrimitives.ReadInt32LittleEndian(after[17..]);
                parts = after.Slice(21, partsLength);
                _rest = after[(21 + partsLength)..];
                return true;
            }
        }
    }

    /// <summary>
    /// The session being read: its rows (one per source) added up by model. What a read of every
    /// session of a large store keeps is laid out for the garbage collector: sums go into shared
    /// slabs on the large-object heap (never copied when collected) and sessions with the same
    /// models share one array of them, so a session costs a few small objects, not a dozen.
    /// </summary>
    private sealed class SessionParts
    {
        private const int Counts = SessionUsage.CountsPerModel;

        /// <summary>Longs per slab: 128 KiB, over the large-object heap's threshold.</summary>
        private const int SlabLength = 16_384;

        /// <summary>How many distinct model lists are looked through before a session gets its own.</summary>
        private const int SharedListsKept = 32;

        private readonly List<string> _models = [];
        private readonly List<long> _sums = [];
        private readonly List<(string[] Names, ReadOnlyCollection<string> View)> _modelLists = [];
        private readonly List<int> _hints = []; // per place in a row: where the name last found there is among the known ones
        private int _lastList; // where the last session's list of models is in _modelLists
        private long[] _slab = [];
        private int _slabUsed;
        private byte[] _id = new byte[64];
        private int _idLength = -1; // -1: no session started yet
        private string _sessionId = "";
        private long _first, _last;

        public bool Is(ReadOnlySpan<byte> id) => _idLength >= 0 && id.SequenceEqual(_id.AsSpan(0, _idLength));

        public void Start(ReadOnlySpan<byte> id)
        {
            if (id.Length > _id.Length)
            {
                _id = new byte[id.Length * 2];
            }

            id.CopyTo(_id);
            (_idLength, _sessionId, _first, _last) = (id.Length, Encoding.UTF8.GetString(id), long.MaxValue, long.MinValue);
            _models.Clear();
            _sums.Clear();
        }

        /// <summary>
        /// Adds one source's row: per part the model's length (4 bytes) and UTF-8 bytes, then its
        /// nine sums (8 bytes each), all big-endian. Rows list their models in the same (name)
        /// order, so the name at each place in the row is looked for first where the last row had it.
        /// </summary>
        public void Add(long firstMs, long lastMs, ReadOnlySpan<byte> packed, ByteStrings names)
        {
            (_first, _last) = (Math.Min(_first, firstMs), Math.Max(_last, lastMs));
            var first = _models.Count == 0; // the session's first row: its models are distinct, so all new to the session
            for (var place = 0; !packed.IsEmpty; place++)
            {
                var length = packed.Length < 4 ? -1 : BinaryPrimitives.ReadInt32BigEndian(packed);
                if (length < 0 || packed.Length - 4 - length < Counts * sizeof(long))
                {
                    throw new InvalidDataException("a packed session part is cut short");
                }

                if (place == _hints.Count)
                {
                    _hints.Add(0);
                }

                var model = names.Of(packed.Slice(4, length), ref CollectionsMarshal.AsSpan(_hints)[place]);
                packed = packed[(4 + length)..];
                var sums = first ? NewSums(model) : SumsOf(model);
                for (var c = 0; c < sums.Length; c++)
                {
                    sums[c] += BinaryPrimitives.ReadInt64BigEndian(packed[(c * sizeof(long))..]);
                }

                packed = packed[(Counts * sizeof(long))..];
            }
        }

        /// <summary>
        /// Adds one source's row in the text it had before migration 13 (parts separated by ';', each
        /// the model's hex and eleven numbers separated by ','): a gateway of an earlier version
        /// still running when a newer one migrated the store goes on writing it.
        /// </summary>
        public void AddText(long firstMs, long lastMs, ReadOnlySpan<byte> packed, ByteStrings hexNames)
        {
            (_first, _last) = (Math.Min(_first, firstMs), Math.Max(_last, lastMs));
            Span<long> n = stackalloc long[2 + Counts];
            while (!packed.IsEmpty)
            {
                var comma = packed.IndexOf((byte)',');
                if (comma < 0)
                {
                    throw new InvalidDataException("a packed session part has no fields");
                }

                var model = hexNames.Of(packed[..comma]);
                packed = packed[(comma + 1)..];
                for (var i = 0; i < n.Length; i++)
                {
                    n[i] = ReadNumber(ref packed, i == n.Length - 1 ? (byte)';' : (byte)',');
                }

                var sums = SumsOf(model); // n: first, last, then the nine counts
                for (var c = 0; c < sums.Length; c++)
                {
                    sums[c] += n[2 + c];
                }
            }
        }

        /// <summary>The session's sums for a model, zero when the model is new to it.</summary>
        private Span<long> SumsOf(string model)
        {
            var at = _models.IndexOf(model);
            return at < 0 ? NewSums(model) : CollectionsMarshal.AsSpan(_sums).Slice(at * Counts, Counts);
        }

        /// <summary>Zero sums for a model the session does not have yet.</summary>
        private Span<long> NewSums(string model)
        {
            _models.Add(model);
            CollectionsMarshal.SetCount(_sums, _sums.Count + Counts);
            var sums = CollectionsMarshal.AsSpan(_sums)[^Counts..];
            sums.Clear(); // List<long>.Clear leaves the old values behind
            return sums;
        }

        /// <summary>
        /// The integer at the start of <paramref name="text"/>, which must end there or at
        /// <paramref name="separator"/>; <paramref name="text"/> moves past both.
        /// </summary>
        private static long ReadNumber(ref ReadOnlySpan<byte> text, byte separator)
        {
            var at = text.Length > 0 && text[0] == (byte)'-' ? 1 : 0;
            var start = at;
            long value = 0;
            for (; at < text.Length && (uint)(text[at] - '0') <= 9; at++)
            {
                value = (value * 10) + (text[at] - '0'); // 18 digits at most, checked below
            }

            if (at == start || at - start > 18 || (at < text.Length && text[at] != separator))
            {
                throw new InvalidDataException("a packed session part does not have 11 numbers");
            }

            text = text[Math.Min(at + 1, text.Length)..];
            return start == 1 ? -value : value;
        }

        /// <summary>Adds the session read (if any) to <paramref name="sessions"/> unless its last activity is not before the end of the range.</summary>
        public void AddTo(List<SessionUsage> sessions, long untilMs)
        {
            if (_idLength < 0 || _last >= untilMs)
            {
                return;
            }

            sessions.Add(new SessionUsage(
                _sessionId, DateTimeOffset.FromUnixTimeMilliseconds(_first), DateTimeOffset.FromUnixTimeMilliseconds(_last), SharedModels(), Keep(CollectionsMarshal.AsSpan(_sums))));
        }

        /// <summary>The session's models as the list an earlier session with the same ones already has, else a new one.</summary>
        private ReadOnlyCollection<string> SharedModels()
        {
            var models = CollectionsMarshal.AsSpan(_models);
            for (var k = 0; k < _modelLists.Count; k++)
            {
                var at = (_lastList + k) % _modelLists.Count; // the previous session's list first: sessions in a row tend to have the same models
                if (models.SequenceEqual(_modelLists[at].Names)) // string equality tries the reference first
                {
                    _lastList = at;
                    return _modelLists[at].View;
                }
            }

            var copy = models.ToArray();
            var shared = Array.AsReadOnly(copy);
            if (_modelLists.Count < SharedListsKept)
            {
                _modelLists.Add((copy, shared));
            }

            return shared;
        }

        private ReadOnlyMemory<long> Keep(ReadOnlySpan<long> sums)
        {
            if (_slab.Length - _slabUsed < sums.Length)
            {
                (_slab, _slabUsed) = (GC.AllocateUninitializedArray<long>(Math.Max(SlabLength, sums.Length)), 0); // only what is written is handed out
            }

            sums.CopyTo(_slab.AsSpan(_slabUsed));
            var kept = new ReadOnlyMemory<long>(_slab, _slabUsed, sums.Length);
            _slabUsed += sums.Length;
            return kept;
        }
    }
}
