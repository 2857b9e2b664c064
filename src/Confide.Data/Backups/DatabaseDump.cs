using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confide.Data.Backups;

/// <summary>
/// A consistent dump of one database with the row counts of its main tables taken in the same
/// snapshot, and the way back. SQLite: <c>VACUUM INTO</c> a private copy beside the file (a read
/// transaction, so writers go on; free pages holding deleted rows are not copied). PostgreSQL:
/// <c>pg_dump --format=custom</c> on a snapshot exported by the transaction that counted, restored
/// with <c>pg_restore</c>. Nothing here encrypts: the caller seals the stream as it goes.
/// </summary>
public static partial class DatabaseDump
{
    /// <summary>The cell's tables a restore drill compares (the rest follow them).</summary>
    public static readonly IReadOnlyList<string> CellTables =
    [
        "Workspaces", "Teammates", "Contacts", "Conversations", "ConversationParts", "Notes", "DataEvents",
        "ActivityLogEntries", "ErasureReceipts", "WorkspaceKeys",
    ];

    /// <summary>The contact key store's tables (both backends use these names).</summary>
    public static readonly IReadOnlyList<string> KeyStoreTables = ["contact_keys", "retiring_data_keys"];

    /// <summary>Called with the counts first, then the dump's bytes to read to the end.</summary>
    public delegate Task Consumer(IReadOnlyDictionary<string, long> counts, Stream dump, CancellationToken cancellationToken);

    public static async Task SqliteAsync(string path, IReadOnlyList<string> tables, Consumer consume, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No SQLite database at {path}.");
        }

        // Beside the live file: the same directory, the same protection, the same file system.
        var copy = Path.Combine(Path.GetDirectoryName(path)!, $".backup-{Guid.NewGuid():N}.db");
        try
        {
            await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "VACUUM INTO $copy";
                command.Parameters.AddWithValue("$copy", copy);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            IReadOnlyDictionary<string, long> counts;
            await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                counts = await CountAsync(connection, null, tables, cancellationToken);
            }

            await using var dump = new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await consume(counts, dump, cancellationToken);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    public static async Task PostgresAsync(string connectionString, IReadOnlyList<string> tables, Consumer consume, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction))
        {
            snapshot = (string)(await export.ExecuteScalarAsync(cancellationToken))!;
        }

        var counts = await CountAsync(connection, transaction, tables, cancellationToken);
        // The dump sees exactly what was counted; the exporting transaction stays open until it is done.
        using var pgDump = PostgresClientTools.Start(
            "pg_dump", connectionString, connection.Database, ["--format=custom", $"--snapshot={snapshot}", "--no-password"], redirectInput: false);
        var errors = pgDump.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await consume(counts, pgDump.StandardOutput.BaseStream, cancellationToken);
            await pgDump.WaitForExitAsync(cancellationToken);
        }
        catch
        {
            Stop(pgDump);
            throw;
        }

        if (pgDump.ExitCode != 0)
        {
            throw new BackupToolException($"pg_dump failed (exit {pgDump.ExitCode}): {PostgresClientTools.Tail(await errors)}");
        }

        await transaction.RollbackAsync(cancellationToken);
    }

    /// <summary>Writes a dump back as a SQLite file (which must not exist yet).</summary>
    public static async Task RestoreSqliteAsync(string path, Func<Stream, CancellationToken, Task> writeDump, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await writeDump(file, cancellationToken);
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Restores a <c>pg_dump</c> into an existing, empty database, in one transaction.</summary>
    public static async Task RestorePostgresAsync(string connectionString, Func<Stream, CancellationToken, Task> writeDump, CancellationToken cancellationToken)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        using var pgRestore = PostgresClientTools.Start(
            "pg_restore", connectionString, null, [$"--dbname={database}", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password"], redirectInput: true);
        var errors = pgRestore.StandardError.ReadToEndAsync(cancellationToken);
        var output = pgRestore.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await using (var input = pgRestore.StandardInput.BaseStream)
            {
                await writeDump(input, cancellationToken);
            }

            await pgRestore.WaitForExitAsync(cancellationToken);
        }
        catch (IOException) when (pgRestore.HasExited)
        {
            // pg_restore stopped reading because it failed: its own message says why.
            await pgRestore.WaitForExitAsync(cancellationToken);
        }
        catch
        {
            Stop(pgRestore);
            throw;
        }

        await output;
        if (pgRestore.ExitCode != 0)
        {
            throw new BackupToolException($"pg_restore failed (exit {pgRestore.ExitCode}): {PostgresClientTools.Tail(await errors)}");
        }
    }

    /// <summary>Creates an empty database beside the one named (same server, same credentials) and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseBesideAsync(string connectionString, string name, CancellationToken cancellationToken)
    {
        EnsureSafeName(name);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseBesideAsync"/>, closing whatever still uses it.</summary>
    public static async Task DropDatabaseAsync(string connectionString, string adminConnectionString, CancellationToken cancellationToken)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        EnsureSafeName(name);
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyDictionary<string, long>> CountAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT count(*) FROM \"{table}\"";
            counts[table] = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>The counts of a restored database, to compare with a backup's manifest.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountSqliteAsync(string path, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return await CountAsync(connection, null, tables, cancellationToken);
    }

    public static async Task<IReadOnlyDictionary<string, long>> CountPostgresAsync(string connectionString, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return await CountAsync(connection, null, tables, cancellationToken);
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static void EnsureSafeName(string name)
    {
        if (!SafeName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a database name Confide makes (lower-case letters, digits, underscores; at most 63).", nameof(name));
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SafeName();
}

/// <summary>A PostgreSQL client tool (pg_dump, pg_restore) failed; the message carries its own words.</summary>
public sealed class BackupToolException(string message) : Exception(message);
