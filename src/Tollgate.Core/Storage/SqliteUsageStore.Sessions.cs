using System.Text;

namespace Tollgate.Core.Storage;

/// <summary>
/// One session's usage from the sources asked for: its first and last activity and its sums per
/// model (model "" = unknown; each source's share of a model added up).
/// </summary>
/// <param name="Sums">Nine counts per model, in the order of <see cref="SummaryCounts"/>'s properties (cost in pico-dollars).</param>
public sealed record SessionUsage(string SessionId, DateTimeOffset FirstActivity, DateTimeOffset LastActivity, string[] Models, long[] Sums)
{
    /// <summary>How many counts each model has in <see cref="Sums"/>.</summary>
    public const int CountsPerModel = 9;
}

/// <summary>
/// The session report's read: <c>session_totals</c> holds one row per session and source with its
/// models' sums packed in one text (see <see cref="PackedPart"/>). The rows are read through
/// <see cref="RawQuery"/>, so that each packed text is parsed as the UTF-8 bytes SQLite holds: a
/// report of every session of a large store reads about 20 MB of them, which <c>GetString</c>
/// would first turn into strings.
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

        return ReadSessions(query, until?.ToUnixTimeMilliseconds() ?? long.MaxValue, cancellationToken);
    }

    private static List<SessionUsage> ReadSessions(RawQuery query, long untilMs, CancellationToken cancellationToken)
    {
        var sessions = new List<SessionUsage>();
        // Model names are packed hex-encoded (no name can break the packing).
        var names = new ByteStrings(hex => Encoding.UTF8.GetString(Convert.FromHexString(Encoding.ASCII.GetString(hex))));
        var session = new SessionParts();
        while (query.Read())
        {
            var id = query.Bytes(0);
            if (!session.Is(id))
            {
                session.AddTo(sessions, untilMs);
                cancellationToken.ThrowIfCancellationRequested();
                session.Start(id);
            }

            session.Add(query.Int64(1), query.Int64(2), query.Bytes(3), names);
        }

        session.AddTo(sessions, untilMs);
        return sessions;
    }

    /// <summary>The session being read: its rows (one per source) added up by model.</summary>
    private sealed class SessionParts
    {
        private const int Counts = SessionUsage.CountsPerModel;
        private readonly List<string> _models = [];
        private readonly List<long> _sums = [];
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

        /// <summary>Adds one source's row: parts separated by ';', each the model's hex and eleven numbers separated by ','.</summary>
        public void Add(long firstMs, long lastMs, ReadOnlySpan<byte> packed, ByteStrings names)
        {
            (_first, _last) = (Math.Min(_first, firstMs), Math.Max(_last, lastMs));
            Span<long> n = stackalloc long[11];
            while (!packed.IsEmpty)
            {
                var comma = packed.IndexOf((byte)',');
                if (comma < 0)
                {
                    throw new InvalidDataException("a packed session part has no fields");
                }

                var model = names.Of(packed[..comma]);
                packed = packed[(comma + 1)..];
                for (var i = 0; i < n.Length; i++)
                {
                    n[i] = ReadNumber(ref packed, i == n.Length - 1 ? (byte)';' : (byte)',');
                }

                // n: first, last, then the nine counts.
                var at = _models.IndexOf(model);
                if (at < 0)
                {
                    at = _models.Count;
                    _models.Add(model);
                    for (var c = 0; c < Counts; c++)
                    {
                        _sums.Add(0);
                    }
                }

                for (var c = 0; c < Counts; c++)
                {
                    _sums[(at * Counts) + c] += n[2 + c];
                }
            }
        }

        /// <summary>
        /// The integer at the start of <paramref name="text"/>, which must end there or at
        /// <paramref name="separator"/>; <paramref name="text"/> moves past both. By hand:
        /// about 2.6 million of them for every session of a large store.
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
                throw new InvalidDataException("a packed session part does not have 12 numbers");
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

            sessions.Add(new SessionUsage(_sessionId, DateTimeOffset.FromUnixTimeMilliseconds(_first), DateTimeOffset.FromUnixTimeMilliseconds(_last), _models.ToArray(), _sums.ToArray()));
        }
    }
}
