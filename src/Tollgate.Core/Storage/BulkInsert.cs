using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tollgate.Core.Storage;

/// <summary>
/// One INSERT prepared once and run for many rows, binding values by position through
/// SQLitePCLRaw (the layer under Microsoft.Data.Sqlite). Microsoft.Data.Sqlite looks every
/// parameter up by name and converts the name to UTF-8 on each execution: for a 31-column row
/// that was most of the insert's cost, on the path that stores a whole Codex history.
/// Runs inside the connection's open transaction.
/// </summary>
internal sealed class BulkInsert : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private int _column;

    public BulkInsert(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    public BulkInsert Add(long value) => Bind(raw.sqlite3_bind_int64(_statement, ++_column, value));

    public BulkInsert Add(long? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(double value) => Bind(raw.sqlite3_bind_double(_statement, ++_column, value));

    public BulkInsert Add(double? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(string? value) => value is null ? AddNull() : Bind(raw.sqlite3_bind_text(_statement, ++_column, value));

    public BulkInsert AddNull() => Bind(raw.sqlite3_bind_null(_statement, ++_column));

    /// <summary>Inserts the row bound so far and gets ready for the next.</summary>
    public void Run()
    {
        var rc = raw.sqlite3_step(_statement);
        _column = 0;
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
        }
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
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
        }
    }
}
