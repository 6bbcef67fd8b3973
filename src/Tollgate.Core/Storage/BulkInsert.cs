using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tollgate.Core.Storage;

/// <summary>
/// One INSERT prepared once and run for many rows, binding values by position straight through
/// SQLite's C functions (<see cref="SqliteNative"/>). Microsoft.Data.Sqlite looks every
/// parameter up by name and converts the name to UTF-8 on each execution, and SQLitePCLRaw
/// copies every text into a new array: for the 31-column rows of a whole Codex history, that
/// binding cost about as much as SQLite's own work. Text is encoded into one reused buffer and
/// copied by SQLite. Runs inside the connection's open transaction; not thread-safe.
/// </summary>
internal sealed unsafe class BulkInsert : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    /// <summary>The statement's pointer, valid while <see cref="_statement"/> is not disposed (which only <see cref="Dispose"/> does).</summary>
    private readonly nint _handle;

    private byte[] _text = new byte[256];
    private int _column;

    public BulkInsert(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        _handle = _statement.DangerousGetHandle();
    }

    public BulkInsert Add(long value) => Bind(SqliteNative.sqlite3_bind_int64(_handle, ++_column, value));

    public BulkInsert Add(long? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(double value) => Bind(SqliteNative.sqlite3_bind_double(_handle, ++_column, value));

    public BulkInsert Add(double? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(string? value)
    {
        if (value is null)
        {
            return AddNull();
        }

        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (most > _text.Length)
        {
            _text = new byte[Math.Max(most, _text.Length * 2)];
        }

        var length = Encoding.UTF8.GetBytes(value, _text);
        fixed (byte* text = _text)
        {
            return Bind(SqliteNative.sqlite3_bind_text(_handle, ++_column, text, length, SqliteNative.Transient));
        }
    }

    public BulkInsert AddNull() => Bind(SqliteNative.sqlite3_bind_null(_handle, ++_column));

    /// <summary>Inserts the row bound so far and gets ready for the next.</summary>
    public void Run()
    {
        var rc = SqliteNative.sqlite3_step(_handle);
        _column = 0;
        SqliteNative.sqlite3_reset(_handle);
        if (rc == raw.SQLITE_ROW)
        {
            throw new InvalidOperationException("the statement returned rows; BulkInsert runs statements that return none");
        }

        Check(rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc);
    }

    public void Dispose() => _statement.Dispose();

    private BulkInsert Bind(int rc)
    {
        Check(rc);
        return this;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
