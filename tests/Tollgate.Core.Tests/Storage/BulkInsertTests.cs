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
}
