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
    private readonly Slot[] _bound;
    private int _column;

    public BulkInsert(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        _bound = new Slot[raw.sqlite3_bind_parameter_count(_statement)];
    }

    private enum Kind : byte
    {
        Unknown,
        Null,
        Number,
        Real,
        Text,
    }

    /// <summary>What a parameter holds (texts compared by value, ordinally).</summary>
    private readonly record struct Slot(Kind Kind, long Number = 0, double Real = 0, string? Text = null);

    public BulkInsert Add(long value)
    {
        var slot = new Slot(Kind.Number, Number: value);
        return Bound(slot, out var i) ? this : Remember(i, slot, raw.sqlite3_bind_int64(_statement, i + 1, value));
    }

    public BulkInsert Add(long? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(double value)
    {
        var slot = new Slot(Kind.Real, Real: value);
        return Bound(slot, out var i) ? this : Remember(i, slot, raw.sqlite3_bind_double(_statement, i + 1, value));
    }

    public BulkInsert Add(double? value) => value is { } v ? Add(v) : AddNull();

    public BulkInsert Add(string? value)
    {
        if (value is null)
        {
            return AddNull();
        }

        var slot = new Slot(Kind.Text, Text: value);
        return Bound(slot, out var i) ? this : Remember(i, slot, raw.sqlite3_bind_text(_statement, i + 1, value));
    }

    public BulkInsert AddNull()
    {
        var slot = new Slot(Kind.Null);
        return Bound(slot, out var i) ? this : Remember(i, slot, raw.sqlite3_bind_null(_statement, i + 1));
    }

    /// <summary>Moves to the next parameter; true when it already holds this value. Otherwise it is marked unknown until the bind succeeds.</summary>
    private bool Bound(Slot slot, out int i)
    {
        i = _column++;
        if (Same(_bound[i], slot))
        {
            return true;
        }

        _bound[i] = default;
        return false;
    }

    /// <summary>
    /// Field by field, as the record struct's own equality compares (texts ordinally, reals by
    /// <see cref="double.Equals(double)"/>) but without its generic comparers, which a short
    /// process runs unoptimized for a while: this runs for every value of every row.
    /// </summary>
    private static bool Same(in Slot a, in Slot b) =>
        a.Kind == b.Kind && a.Number == b.Number && a.Real.Equals(b.Real) && string.Equals(a.Text, b.Text);

    private BulkInsert Remember(int i, Slot slot, int rc)
    {
        Check(rc);
        _bound[i] = slot;
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
