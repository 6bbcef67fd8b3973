using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tollgate.Core.Storage;

/// <summary>
/// A SELECT read through SQLitePCLRaw, the layer under Microsoft.Data.Sqlite: text comes as a
/// span over SQLite's own UTF-8 bytes and numbers without a type check and a boxed value per
/// column. For the reads that hand tens of thousands of rows to C# to be added up (every
/// session, a year of local days), where <see cref="SqliteDataReader"/> cost more than SQLite.
/// Rows and columns are read by calling SQLite directly with the statement's pointer: through
/// SQLitePCLRaw each call also took and released the statement's <see cref="SafeHandle"/>, a
/// quarter of the time a read of every session spent in SQLite. Runs on an open connection; not
/// thread-safe.
/// </summary>
internal sealed partial class RawQuery : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    /// <summary>The statement's pointer, valid while <see cref="_statement"/> is not disposed (which only <see cref="Dispose"/> does).</summary>
    private readonly nint _handle;

    public RawQuery(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        _handle = _statement.DangerousGetHandle();
    }

    /// <summary>Binds a named parameter (<c>$name</c>); one the SQL does not use is skipped.</summary>
    public RawQuery Bind(string name, string? value)
    {
        var at = raw.sqlite3_bind_parameter_index(_statement, name);
        if (at > 0)
        {
            Check(value is null ? raw.sqlite3_bind_null(_statement, at) : raw.sqlite3_bind_text(_statement, at, value));
        }

        return this;
    }

    /// <inheritdoc cref="Bind(string, string?)"/>
    public RawQuery Bind(string name, long value)
    {
        var at = raw.sqlite3_bind_parameter_index(_statement, name);
        if (at > 0)
        {
            Check(raw.sqlite3_bind_int64(_statement, at, value));
        }

        return this;
    }

    /// <summary>Moves to the next row; false when there is none.</summary>
    public bool Read()
    {
        var rc = Native.sqlite3_step(_handle);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        Check(rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc);
        return false;
    }

    public long Int64(int column) => Native.sqlite3_column_int64(_handle, column);

    /// <summary>Whether the column's value in this row is text (SQLite keeps each value's own type, whatever the column says).</summary>
    public bool IsText(int column) => Native.sqlite3_column_type(_handle, column) == raw.SQLITE_TEXT;

    /// <summary>The column's bytes (text as UTF-8), valid until the next <see cref="Read"/>.</summary>
    public unsafe ReadOnlySpan<byte> Bytes(int column)
    {
        var start = Native.sqlite3_column_blob(_handle, column); // first: it settles the value's form, whose length comes next
        return start is null ? default : new ReadOnlySpan<byte>(start, Native.sqlite3_column_bytes(_handle, column));
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);

    /// <summary>
    /// The few SQLite functions a read calls per row, from the library SQLitePCLRaw's provider
    /// imports by the same name (so the same one, already loaded).
    /// </summary>
    private static unsafe partial class Native
    {
        private const string Library = "e_sqlite3";

        [LibraryImport(Library)]
        public static partial int sqlite3_step(nint statement);

        [LibraryImport(Library)]
        public static partial long sqlite3_column_int64(nint statement, int column);

        [LibraryImport(Library)]
        public static partial int sqlite3_column_type(nint statement, int column);

        [LibraryImport(Library)]
        public static partial byte* sqlite3_column_blob(nint statement, int column);

        [LibraryImport(Library)]
        public static partial int sqlite3_column_bytes(nint statement, int column);
    }
}

/// <summary>
/// Strings decoded from column bytes, kept by those bytes: a read that meets the same few names
/// (models) in every row decodes each once. Linear: meant for a handful of distinct values.
/// </summary>
internal sealed class ByteStrings(Func<byte[], string> decode)
{
    private readonly List<(byte[] Bytes, string Value)> _known = [];

    /// <summary>Text columns as UTF-8.</summary>
    public static ByteStrings Utf8() => new(Encoding.UTF8.GetString);

    public string Of(ReadOnlySpan<byte> bytes)
    {
        var hint = 0;
        return Of(bytes, ref hint);
    }

    /// <summary>The string of <paramref name="bytes"/>, looked for first at <paramref name="hint"/>, which is left where it was found.</summary>
    public string Of(ReadOnlySpan<byte> bytes, ref int hint)
    {
        if ((uint)hint < (uint)_known.Count && bytes.SequenceEqual(_known[hint].Bytes))
        {
            return _known[hint].Value;
        }

        for (hint = 0; hint < _known.Count; hint++)
        {
            if (bytes.SequenceEqual(_known[hint].Bytes))
            {
                return _known[hint].Value;
            }
        }

        var copy = bytes.ToArray();
        var decoded = decode(copy);
        _known.Add((copy, decoded));
        return decoded;
    }
}
