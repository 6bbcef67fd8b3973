using Microsoft.Data.Sqlite;

namespace Tollgate.Core.Storage;

/// <summary>
/// The one SQLite file every store shares (<c>tollgate.db</c>): how connections are opened
/// and how the schema is brought up to date.
/// </summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>
    /// Starts SQLite's first use in this process on a spare core: loading the native library and
    /// Microsoft.Data.Sqlite's types, parsing a connection string, opening a database and running a
    /// statement cost a short command 50–70 ms on one thread, which building the command line and
    /// loading the config hide. In memory, so nothing is created; a command's own open reports
    /// whatever is wrong. Nothing on a single core, where it would only be in the way.
    /// </summary>
    public static void WarmUpInBackground()
    {
        if (Environment.ProcessorCount < 2)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            try
            {
                var memory = new SqliteConnectionStringBuilder { DataSource = ":memory:", Pooling = false }.ToString();
                using var connection = new SqliteConnection(memory);
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA user_version";
                command.ExecuteScalar();
            }
            catch (Exception)
            {
                // a warm-up only: the command's own open of the store reports the problem
            }
        });
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", cancellationToken);
        return connection;
    }

    // Plain commands here: every CLI run opens the database, and Dapper's first use costs more than these.
    private static async Task<object?> ExecuteAsync(SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, bool scalar = false)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return scalar ? await command.ExecuteScalarAsync(cancellationToken) : await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Creates or upgrades the schema; safe to call on every start and from several stores.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        await using var connection = await OpenAsync(cancellationToken);
        if ((long)(await ExecuteAsync(connection, null, "PRAGMA user_version;", cancellationToken, scalar: true))! == Migrations.Steps.Length)
        {
            return; // up to date (and WAL, which the file remembers): the common case, one read
        }

        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        var version = (long)(await ExecuteAsync(connection, tx, "PRAGMA user_version;", cancellationToken, scalar: true))!;
        if (version > Migrations.Steps.Length)
        {
            throw new InvalidOperationException(
                $"The database {Path} has schema version {version}, newer than this Tollgate knows ({Migrations.Steps.Length}). Upgrade Tollgate.");
        }

        for (var step = (int)version; step < Migrations.Steps.Length; step++)
        {
            await ExecuteAsync(connection, tx, Migrations.Steps[step], cancellationToken);
            await ExecuteAsync(connection, tx, $"PRAGMA user_version = {step + 1};", cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }
}
