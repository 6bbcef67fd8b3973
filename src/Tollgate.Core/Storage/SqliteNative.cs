using System.Runtime.InteropServices;

namespace Tollgate.Core.Storage;

/// <summary>
/// The SQLite functions called once per row or value on the store's hot paths
/// (<see cref="RawQuery"/>, <see cref="BulkInsert"/>), taking the statement's pointer. Through
/// SQLitePCLRaw each call also takes and releases the statement's <see cref="SafeHandle"/>, and
/// a text value is copied into a new array first. Imported from the library SQLitePCLRaw's
/// provider imports by the same name, so the same one, already loaded; the caller keeps the
/// statement's handle alive for as long as it uses the pointer.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    /// <summary>Tells SQLite to copy a bound value before the call returns.</summary>
    public static readonly nint Transient = -1;

    [LibraryImport(Library)]
    public static partial int sqlite3_step(nint statement);

    [LibraryImport(Library)]
    public static partial int sqlite3_reset(nint statement);

    [LibraryImport(Library)]
    public static partial long sqlite3_column_int64(nint statement, int column);

    [LibraryImport(Library)]
    public static partial int sqlite3_column_type(nint statement, int column);

    [LibraryImport(Library)]
    public static partial byte* sqlite3_column_blob(nint statement, int column);

    [LibraryImport(Library)]
    public static partial int sqlite3_column_bytes(nint statement, int column);

    [LibraryImport(Library)]
    public static partial int sqlite3_bind_int64(nint statement, int index, long value);

    [LibraryImport(Library)]
    public static partial int sqlite3_bind_double(nint statement, int index, double value);

    [LibraryImport(Library)]
    public static partial int sqlite3_bind_null(nint statement, int index);

    [LibraryImport(Library)]
    public static partial int sqlite3_bind_text(nint statement, int index, byte* text, int bytes, nint destructor);
}
