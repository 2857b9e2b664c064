using Confide.Data;
using Confide.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Confide.Tests.Data;

/// <summary>Real failures of real databases, classified by their error codes.</summary>
public sealed class DatabaseFailureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("confide-failures-").FullName;

    private string DbPath => Path.Combine(_directory, "t.db");

    [Fact]
    public async Task Sqlite_TakenUniqueOrPrimaryKey_IsConflict_EvenInsideDbUpdateException()
    {
        await using var connection = await OpenSqliteAsync();
        await ExecAsync(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE); INSERT INTO t VALUES (1, 'a');");

        var unique = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(connection, "INSERT INTO t VALUES (2, 'a')"));
        var primaryKey = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(connection, "INSERT INTO t VALUES (1, 'b')"));

        Assert.Equal(DatabaseFailureKind.Conflict, DatabaseFailure.Classify(unique));
        Assert.Equal(DatabaseFailureKind.Conflict, DatabaseFailure.Classify(primaryKey));
        Assert.Equal(DatabaseFailureKind.Conflict, DatabaseFailure.Classify(new DbUpdateException("saving failed", unique)));
        Assert.Equal(DatabaseFailureKind.Conflict, DatabaseFailure.Classify(new DbUpdateConcurrencyException("row changed")));
    }

    [Fact]
    public async Task Sqlite_OtherConstraintsAndBadSql_AreUnexpected()
    {
        await using var connection = await OpenSqliteAsync();
        await ExecAsync(connection, "PRAGMA foreign_keys=ON; CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p(id));");

        var foreignKey = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(connection, "INSERT INTO c VALUES (1, 42)"));
        var notNull = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(connection, "INSERT INTO c VALUES (2, NULL)"));
        var syntax = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(connection, "INSERT INTO nowhere VALUES (1)"));

        Assert.Equal(DatabaseFailureKind.Unexpected, DatabaseFailure.Classify(new DbUpdateException("saving failed", foreignKey)));
        Assert.Equal(DatabaseFailureKind.Unexpected, DatabaseFailure.Classify(notNull));
        Assert.Equal(DatabaseFailureKind.Unexpected, DatabaseFailure.Classify(syntax));
        Assert.Equal(DatabaseFailureKind.Unexpected, DatabaseFailure.Classify(new InvalidOperationException("a bug")));
        // An unrecognised DbUpdateException is no longer taken for a conflict.
        Assert.Equal(DatabaseFailureKind.Unexpected, DatabaseFailure.Classify(new DbUpdateException("saving failed")));
    }

    [Fact]
    public async Task Sqlite_FullLockedReadOnlyOrUnopenable_IsUnavailable()
    {
        await using (var setup = await OpenSqliteAsync())
        {
            await ExecAsync(setup, "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB);");
        }

        // Full: SQLite's own page limit stands in for the disk (the error is the same SQLITE_FULL).
        await using (var full = await OpenSqliteAsync())
        {
            await ExecAsync(full, "PRAGMA max_page_count = 3;");
            var error = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(full, "INSERT INTO t VALUES (1, zeroblob(100000))"));
            Assert.Equal(13, error.SqliteErrorCode);
            Assert.Equal(DatabaseFailureKind.Unavailable, DatabaseFailure.Classify(new DbUpdateException("saving failed", error)));
            Assert.False(DatabaseFailure.IsContention(error));
        }

        // Locked: another connection holds the write lock past the busy timeout.
        await using (var holder = await OpenSqliteAsync())
        await using (var waiter = await OpenSqliteAsync())
        {
            await ExecAsync(holder, "BEGIN IMMEDIATE; INSERT INTO t VALUES (2, NULL);");
            var error = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(waiter, "INSERT INTO t VALUES (3, NULL)", timeoutSeconds: 1));
            Assert.Equal(5, error.SqliteErrorCode);
            Assert.Equal(DatabaseFailureKind.Unavailable, DatabaseFailure.Classify(error));
            Assert.True(DatabaseFailure.IsContention(error)); // a lost race: no reason to call the database down
            await ExecAsync(holder, "ROLLBACK");
        }

        await using (var readOnly = await OpenSqliteAsync(SqliteOpenMode.ReadOnly))
        {
            var error = await Assert.ThrowsAsync<SqliteException>(() => ExecAsync(readOnly, "INSERT INTO t VALUES (4, NULL)"));
            Assert.Equal(8, error.SqliteErrorCode);
            Assert.Equal(DatabaseFailureKind.Unavailable, DatabaseFailure.Classify(error));
        }

        await using var missing = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "gone", "t.db"), Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        var cantOpen = await Assert.ThrowsAsync<SqliteException>(() => missing.OpenAsync());
        Assert.Equal(14, cantOpen.SqliteErrorCode);
        Assert.Equal(DatabaseFailureKind.Unavailable, DatabaseFailure.Classify(cantOpen));
        Assert.Equal("sqlite:14", DatabaseFailure.ReasonOf(new InvalidOperationException("wrapped", cantOpen)));
    }

    [Fact]
    public async Task Postgres_TakenUniqueKey_IsConflict_BadSqlIsUnexpected()
    {
        await using var connection = await OpenPostgresAsync();
        await ExecAsync(connection, "CREATE TEMP TABLE t (id int PRIMARY KEY, email text UNIQUE); INSERT INTO t VALUES (1, 'a');");

        var unique = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(connection, "INSERT INTO t VALUES (2, 'a')"));
        var syntax = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(connection, "INSERT INTO nowhere VALUES (1)"));
        var notNull = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(connection, "INSERT INTO t VALUES (NULL, 'c')"));

        Assert.Equal(DatabaseFailureKind.Conflict, DatabaseFailure.Classify(new DbUpdateException("saving failed", unique)));
        Assert.Equal(DatabaseFailureKind.Unexpected, DatabaseFailure.Classify(syntax));
        Assert.Equal(DatabaseFailureKind.Unexpected, DatabaseFailure.Classify(new DbUpdateException("saving failed", notNull)));
        Assert.Equal("postgres:23505", DatabaseFailure.ReasonOf(unique));
    }

    [Fact]
    public async Task Postgres_ValueTheDatabaseRefuses_IsInvalidValue()
    {
        // A NUL in text (which PostgreSQL cannot store, while SQLite can) and numbers out of
        // range are the request's fault: 400, not a 500 (a fuzzed admin_id found the first).
        await using var connection = await OpenPostgresAsync();
        await using var command = new NpgsqlCommand("SELECT $1::text", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = "a\0b" });
        var nul = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        var overflow = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(connection, "SELECT 2147483647::int + 1"));

        Assert.Equal(DatabaseFailureKind.InvalidValue, DatabaseFailure.Classify(new InvalidOperationException("wrapped", nul)));
        Assert.Equal(DatabaseFailureKind.InvalidValue, DatabaseFailure.Classify(overflow));
    }

    [Fact]
    public async Task Postgres_UnreachableTerminatedOrReadOnly_IsUnavailable()
    {
        var baseConnection = PostgresOrSkip();

        // Nothing listens on the port.
        var unreachable = new NpgsqlConnectionStringBuilder(baseConnection) { Port = FreePorts.Next(), Timeout = 5 }.ConnectionString;
        await using (var refused = new NpgsqlConnection(unreachable))
        {
            var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync());
            Assert.Equal(DatabaseFailureKind.Unavailable, DatabaseFailure.Classify(error));
            Assert.StartsWith("npgsql:", DatabaseFailure.ReasonOf(error), StringComparison.Ordinal);
        }

        // The server ends the session (as on shutdown or failover): 57P01.
        await using (var terminated = await OpenPostgresAsync(pooling: false))
        {
            var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecAsync(terminated, "SELECT pg_terminate_backend(pg_backend_pid())"));
            Assert.Equal(DatabaseFailureKind.Unavailable, DatabaseFailure.Classify(error));
        }

        // A read-only transaction stands in for a standby after failover: 25006.
        await using var readOnly = await OpenPostgresAsync();
        var refusedWrite = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(readOnly, "BEGIN READ ONLY; CREATE TEMP TABLE x (id int);"));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refusedWrite.SqlState);
        Assert.Equal(DatabaseFailureKind.Unavailable, DatabaseFailure.Classify(refusedWrite));
    }

    private async Task<SqliteConnection> OpenSqliteAsync(SqliteOpenMode mode = SqliteOpenMode.ReadWriteCreate)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Mode = mode, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private static string PostgresOrSkip()
    {
        if (TestPostgres.ConnectionString is { } connectionString)
        {
            return connectionString;
        }

        Assert.False(TestPostgres.Required, "CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
        Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
        return null!;
    }

    private static async Task<NpgsqlConnection> OpenPostgresAsync(bool pooling = true)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresOrSkip()) { Pooling = pooling }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecAsync(System.Data.Common.DbConnection connection, string sql, int timeoutSeconds = 30)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = timeoutSeconds;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
