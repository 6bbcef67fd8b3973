using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tollgate.Core.Storage;

/// <summary>
/// The numbers of rollout files' paths in <c>source_files</c>, which keeps each path once: the
/// records and messages read from a file carry its number instead of its path. A path is looked
/// up (and added when new) once per instance; one instance serves one transaction, on the
/// connection that holds it. The statements are prepared at the first path, so a batch without
/// any (the gateway's records) costs nothing.
/// </summary>
internal sealed class SourceFileIds(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, long> _known = new(StringComparer.Ordinal);
    private sqlite3_stmt? _find;
    private BulkInsert? _add;

    /// <summary>The number of <paramref name="path"/>, added to <c>source_files</c> if it is not there yet; null for no path.</summary>
    public long? Of(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (_known.TryGetValue(path, out var id))
        {
            return id;
        }

        var db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        if (_find is null)
        {
            Check(db, raw.sqlite3_prepare_v2(db, "SELECT source_id FROM source_files WHERE path = ?", out _find));
        }

        Check(db, raw.sqlite3_bind_text(_find, 1, path));
        var rc = raw.sqlite3_step(_find);
        id = rc == raw.SQLITE_ROW ? raw.sqlite3_column_int64(_find, 0) : 0;
        raw.sqlite3_reset(_find);
        if (rc == raw.SQLITE_DONE)
        {
            _add ??= new BulkInsert(connection, "INSERT INTO source_files (path) VALUES (?)");
            _add.Add(path).Run();
            id = raw.sqlite3_last_insert_rowid(db);
        }
        else
        {
            Check(db, rc == raw.SQLITE_ROW ? raw.SQLITE_OK : rc);
        }

        _known[path] = id;
        return id;
    }

    public void Dispose()
    {
        _find?.Dispose();
        _add?.Dispose();
    }

    private static void Check(sqlite3 db, int rc) => SqliteException.ThrowExceptionForRC(rc, db);
}
