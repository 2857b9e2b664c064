using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Confide.Data;

/// <summary>
/// Rewrites a SQLite cell's file (<c>VACUUM</c> with <c>secure_delete</c>) and then scrubs the
/// write-ahead log (<see cref="DeletedDataScrub"/>): a page SQLite rebalanced can keep a stale
/// copy of a deleted row in its unused space, which only a rewrite reaches. Writes wait while it
/// runs. Used by <c>confide cells vacuum</c>.
/// </summary>
public static class SqliteCellVacuum
{
    /// <summary>The file's size before and after; false in <c>Scrubbed</c> when readers kept the log busy.</summary>
    public static async Task<(long BytesBefore, long BytesAfter, bool Scrubbed)> RunAsync(CellDatabase cell, ILogger logger, CancellationToken cancellationToken)
    {
        var file = new SqliteConnectionStringBuilder(cell.ConnectionString).DataSource;
        var before = new FileInfo(file).Length;
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder(cell.ConnectionString) { Pooling = false }.ToString()))
        {
            await connection.OpenAsync(cancellationToken);
            await using var vacuum = connection.CreateCommand();
            // The server's writer holds the lock only for a moment at a time; wait for it.
            vacuum.CommandText = "PRAGMA busy_timeout = 60000; PRAGMA secure_delete = ON; VACUUM;";
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        // The rewrite went through the write-ahead log; the old pages' frames leave with it.
        var scrubbed = await DeletedDataScrub.RunAsync(cell, logger, cancellationToken);
        return (before, new FileInfo(file).Length, scrubbed);
    }
}
