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
/// <remarks>
/// SQLite keeps a statement's bound values from one run to the next, so a value equal to the one
/// already bound in its place is not bound again. The records of one Codex log share most of their
/// 31 columns (source, endpoint, session, file, model…); binding them was 40 % of their insert.
/// </remarks>
internal sealed class BulkInsert : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly Bound[] _kinds;
    private readonly long[] _numbers;
    private readonly double[] _reals;
    private readonly string?[] _texts;
    private int _column;

    public BulkInsert(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        var count = raw.sqlite3_bind_parameter_count(_statement);
        _kinds = new Bound[count];
        _numbers = new long[count];
        _reals = new double[count];
        _texts = new string?[count];
    }

    private enum Bound : byte
    {
        Nothing,
        Null,
        Number,
        Real,
        Text,
    }

    public BulkInsert Add(long value)
    {
        var i = _column++;
        if (_kinds[i] == Bound.Number && _numbers[i] == value)
        {
            return this;
        }

        _kinds[i] = Bound.Nothing;
        Check(raw.sqlite3_bind_int64(_statement, i + 1, value));
        (_kinds[i], _numbers[i]) = (Bound.Number, value);
        return this;
    }

    public BulkInsert Add(long? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(double value)
    {
        var i = _column++;
        if (_kinds[i] == Bound.Real && _reals[i].Equals(value))
        {
            return this;
        }

        _kinds[i] = Bound.Nothing;
        Check(raw.sqlite3_bind_double(_statement, i + 1, value));
        (_kinds[i], _reals[i]) = (Bound.Real, value);
        return this;
    }

    public BulkInsert Add(double? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(string? value)
    {
        if (value is null)
        {
            return AddNull();
        }

        var i = _column++;
        if (_kinds[i] == Bound.Text && string.Equals(_texts[i], value, StringComparison.Ordinal))
        {
            return this;
        }

        _kinds[i] = Bound.Nothing;
        Check(raw.sqlite3_bind_text(_statement, i + 1, value));
        (_kinds[i], _texts[i]) = (Bound.Text, value);
        return this;
    }

    public BulkInsert AddNull()
    {
        var i = _column++;
        if (_kinds[i] == Bound.Null)
        {
            return this;
        }

        _kinds[i] = Bound.Nothing;
        Check(raw.sqlite3_bind_null(_statement, i + 1));
        _kinds[i] = Bound.Null;
        return this;
    }

    /// <summary>Inserts the row bound so far and gets ready for the next (the values stay bound).</summary>
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

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
        }
    }
}
