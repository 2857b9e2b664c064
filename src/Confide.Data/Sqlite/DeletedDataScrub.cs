using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Confide.Data;

/// <summary>
/// Makes rows an erasure deleted leave the SQLite files. Every writing connection runs with
/// <c>secure_delete</c> on (<see cref="SqliteDurabilityInterceptor"/>), so a delete zeroes the row
/// in its page and a freed page is zeroed too; but the page's earlier versions, the row included,
/// stay in the write-ahead log until it is checkpointed and truncated. This does that once, after
/// a purge, instead of leaving it to whenever the log is next overwritten. Contact data is sealed
/// under a key the erasure destroyed already; what this removes is what is kept in clear or under
/// a workspace key: the search index's keyed tokens, lookup hashes, ids.
/// On PostgreSQL there is nothing to do here: a deleted row stays in its page until VACUUM reuses
/// it and in the server's WAL until it is recycled, which the operator's settings govern
/// (docs/operations.md).
/// </summary>
public static partial class DeletedDataScrub
{
    /// <summary>How long the checkpoint waits for readers and the writer before it gives up until the next purge.</summary>
    private const int BusyTimeoutMilliseconds = 5000;

    /// <summary>Checkpoints and truncates the cell's write-ahead log; false (and one log line) if readers kept it busy.</summary>
    public static async Task<bool> RunAsync(CellDatabase cell, ILogger logger, CancellationToken cancellationToken)
    {
        if (cell.Provider != DatabaseProvider.Sqlite)
        {
            return true;
        }

        // Its own connection, out of the pool: the busy timeout set here must not stay on a pooled one.
        var connectionString = new SqliteConnectionStringBuilder(cell.ConnectionString) { Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var timeout = connection.CreateCommand())
        {
            timeout.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";
            await timeout.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        // One row: busy (1 if the checkpoint could not finish), frames in the log, frames checkpointed.
        var busy = await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) != 0;
        if (busy)
        {
            LogStillInLog(logger, cell.Region.Code);
        }

        return !busy;
    }

    [LoggerMessage(EventId = 4530, EventName = "DeletedDataStillInLog", Level = LogLevel.Warning,
        Message = "The write-ahead log of region {Region} stayed busy, so rows deleted by a purge are still in it; the next purge or checkpoint removes them")]
    private static partial void LogStillInLog(ILogger logger, string region);
}
