using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Confide.Data;

/// <summary>What a failed database call means for the caller.</summary>
public enum DatabaseFailureKind
{
    /// <summary>Not a failure this class recognises: a bug or corruption, answered with a 500.</summary>
    Unexpected,

    /// <summary>A unique key was taken by a concurrent write: retrying may see the other row (409).</summary>
    Conflict,

    /// <summary>
    /// The database refused a value the request carried (some of PostgreSQL's class 22, "data
    /// exception": a NUL character in text, a number or date out of range, a string too long):
    /// the request is at fault, not the database (400).
    /// </summary>
    InvalidValue,

    /// <summary>The database cannot take or answer the call right now (down, unreachable, disk full, read-only, locked): retry later (503).</summary>
    Unavailable,
}

/// <summary>
/// Classifies an exception from either provider by its error code (SQLite result codes,
/// PostgreSQL SQLSTATE, Npgsql's transport failures), never by message text. Looks through
/// the wrappers EF Core and the writer add (<see cref="DbUpdateException"/> and the like).
/// </summary>
public static class DatabaseFailure
{
    // SQLite primary result codes (https://www.sqlite.org/rescode.html).
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteProtocol = 15;

    // Extended codes of SQLITE_CONSTRAINT (19) that mean "that key is taken".
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    public static DatabaseFailureKind Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var kind = current switch
            {
                SqliteException sqlite => OfSqlite(sqlite),
                PostgresException postgres => OfPostgres(postgres.SqlState),
                NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or TimeoutException or IOException || NoPrimary(npgsql)
                    ? DatabaseFailureKind.Unavailable
                    : DatabaseFailureKind.Unexpected,
                // A row changed under an optimistic-concurrency check: the caller's view is stale.
                DbUpdateConcurrencyException => DatabaseFailureKind.Conflict,
                _ => (DatabaseFailureKind?)null,
            };
            if (kind is { } found)
            {
                return found;
            }
        }

        return DatabaseFailureKind.Unexpected;
    }

    public static bool IsConflict(Exception exception) => Classify(exception) == DatabaseFailureKind.Conflict;

    public static bool IsUnavailable(Exception exception) => Classify(exception) == DatabaseFailureKind.Unavailable;

    /// <summary>
    /// An unavailable answer that only means a lost race for a lock (SQLite busy or locked; a
    /// PostgreSQL serialization failure, deadlock or lock timeout): worth a 503 and a retry, but
    /// no sign that the database is down.
    /// </summary>
    public static bool IsContention(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SqliteException sqlite:
                    return (sqlite.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked;
                case PostgresException postgres:
                    return postgres.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable;
            }
        }

        return false;
    }

    /// <summary>A short, stable name of the reason (an error code, never a message), for logs.</summary>
    public static string ReasonOf(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SqliteException sqlite:
                    return $"sqlite:{sqlite.SqliteExtendedErrorCode}";
                case PostgresException postgres:
                    return $"postgres:{postgres.SqlState}";
                case NpgsqlException { InnerException: { } inner }:
                    return $"npgsql:{inner.GetType().Name}";
                case NpgsqlException:
                    return "npgsql";
                case DbUpdateConcurrencyException:
                    return "concurrency";
            }
        }

        return exception.GetType().Name;
    }

    private static DatabaseFailureKind OfSqlite(SqliteException exception)
    {
        if (exception.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey)
        {
            return DatabaseFailureKind.Conflict;
        }

        // The primary code is the low byte of the extended one (SQLITE_IOERR_FSYNC is IOERR | 4<<8).
        return (exception.SqliteErrorCode & 0xFF) switch
        {
            SqliteBusy or SqliteLocked or SqliteReadOnly or SqliteIoError or SqliteFull or SqliteCantOpen or SqliteProtocol => DatabaseFailureKind.Unavailable,
            _ => DatabaseFailureKind.Unexpected,
        };
    }

    /// <summary>
    /// A multi-host connection string found no server it may use: all unreachable (the causes
    /// gathered in an <see cref="AggregateException"/>), or none of them primary yet (during a
    /// failover, before Patroni promotes a standby), which Npgsql reports without a cause.
    /// </summary>
    private static bool NoPrimary(NpgsqlException exception) =>
        exception.InnerException is AggregateException
        || (exception.InnerException is null && exception.Message.StartsWith("No suitable host", StringComparison.Ordinal));

    private static DatabaseFailureKind OfPostgres(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.UniqueViolation => DatabaseFailureKind.Conflict,
        // Values a request can carry that PostgreSQL refuses (not division by zero or a bad
        // regular expression of our own, which stay 500s): a NUL or unconvertible character, a
        // string too long, a number or date out of range, text that is not a number.
        "22021" or "22P05" or "22001" or "22003" or "22007" or "22008" or "22P02" => DatabaseFailureKind.InvalidValue,
        // Class 08 connection exceptions; class 53 insufficient resources (disk full, out of
        // memory, too many connections); class 58 system errors (I/O).
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("53", StringComparison.Ordinal) || sqlState.StartsWith("58", StringComparison.Ordinal) => DatabaseFailureKind.Unavailable,
        // The server shutting down or starting up; a standby after failover refusing writes.
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.ReadOnlySqlTransaction => DatabaseFailureKind.Unavailable,
        // Lost a race the database resolved by aborting us: the same request is fine a moment later.
        PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable => DatabaseFailureKind.Unavailable,
        _ => DatabaseFailureKind.Unexpected,
    };
}
