using Dapper;
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

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        return connection;
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
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        var version = await connection.ExecuteScalarAsync<long>("PRAGMA user_version;", transaction: tx);
        if (version > Migrations.Steps.Length)
        {
            throw new InvalidOperationException(
                $"The database {Path} has schema version {version}, newer than this Tollgate knows ({Migrations.Steps.Length}). Upgrade Tollgate.");
        }

        for (var step = (int)version; step < Migrations.Steps.Length; step++)
        {
            await connection.ExecuteAsync(Migrations.Steps[step], transaction: tx);
            await connection.ExecuteAsync($"PRAGMA user_version = {step + 1};", transaction: tx);
        }

        await tx.CommitAsync(cancellationToken);
    }
}
