using Microsoft.Data.Sqlite;
using Tollgate.Core.Storage;

namespace Tollgate.Core.Tests.Storage;

/// <summary>The positional insert binds each kind of value as SQLite stores it and reports SQLite's errors.</summary>
public sealed class BulkInsertTests : IAsyncLifetime
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public async ValueTask InitializeAsync()
    {
        await _connection.OpenAsync();
        await using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, d REAL, s TEXT UNIQUE)";
        await create.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task Values_OfEveryKind_AndLongAndNonAsciiTexts_AreStoredAsGiven()
    {
        string?[] texts = ["", "ascii", "é ü ß 日本語 🎉", new string('x', 300) + "é", new string('日', 5_000), null, "nul \0 inside"];
        using (var insert = new BulkInsert(_connection, "INSERT INTO t (id, n, d, s) VALUES (?, ?, ?, ?)"))
        {
            for (var i = 0; i < texts.Length; i++)
            {
                insert.Add(i).Add(i % 2 == 0 ? long.MinValue + i : null).Add(i % 3 == 0 ? null : 0.1 * i).Add(texts[i]).Run();
            }
        }

        await using var read = _connection.CreateCommand();
        read.CommandText = "SELECT id, n, d, s FROM t ORDER BY id";
        await using var reader = await read.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
            Assert.Equal(i, reader.GetInt64(0));
            Assert.Equal(i % 2 == 0 ? long.MinValue + i : (long?)null, reader.IsDBNull(1) ? null : reader.GetInt64(1));
            Assert.Equal(i % 3 == 0 ? null : 0.1 * i, reader.IsDBNull(2) ? (double?)null : reader.GetDouble(2));
            Assert.Equal(texts[i], reader.IsDBNull(3) ? null : reader.GetString(3));
        }
    }

    [Fact]
    public void AConstraintBroken_ThrowsSqlitesError_AndTheStatementRunsOnAfterIt()
    {
        using var insert = new BulkInsert(_connection, "INSERT INTO t (s) VALUES (?)");
        insert.Add("same").Run();
        var error = Assert.Throws<SqliteException>(() => insert.Add("same").Run());
        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Contains("UNIQUE", error.Message);
        insert.Add("other").Run();
    }

    /// <summary>A value equal to the one already bound in its place is not bound again: every row must still hold exactly its own values.</summary>
    [Fact]
    public async Task RowsThatRepeatValues_OrChangeTheirKind_StoreEachRowsOwn()
    {
        object?[][] rows =
        [
            [1L, 5L, 0.5, "a"],
            [2L, 5L, 0.5, "b"],
            [3L, null, 0.5, "c"],
            [4L, null, null, "d"],
            [5L, 5L, null, "e"],
            [6L, 7L, 1.5, "f"],
            [7L, 7L, 1.5, "g"],
            [8L, null, 1.5, "h"],
        ];
        using (var insert = new BulkInsert(_connection, "INSERT INTO t (id, n, d, s) VALUES (?, ?, ?, ?)"))
        {
            foreach (var row in rows)
            {
                insert.Add((long)row[0]!).Add((long?)row[1]).Add((double?)row[2]).Add(new string(((string)row[3]!).ToCharArray())).Run(); // equal texts, other instances
            }
        }

        using (var update = new BulkInsert(_connection, "UPDATE t SET s = ?1 || '-' || ?2 WHERE id = ?2"))
        {
            update.Add("x").Add(1).Run();
            update.Add("x").Add(2).Run();
            update.Add("y").Add(3).Run();
        }

        await using var read = _connection.CreateCommand();
        read.CommandText = "SELECT id, n, d, s FROM t ORDER BY id";
        await using var reader = await read.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var stored = new List<object?[]>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            stored.Add([reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.GetString(3)]);
        }

        rows[0][3] = "x-1";
        rows[1][3] = "x-2";
        rows[2][3] = "y-3";
        Assert.Equal(rows, stored);
    }
}
