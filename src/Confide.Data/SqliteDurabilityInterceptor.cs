using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Confide.Data;

/// <summary>
/// Sets per-connection SQLite pragmas: <c>synchronous=FULL</c> so a commit is on disk before
/// it is acknowledged (survives kill -9 and power loss with WAL), foreign keys on, and
/// <c>secure_delete</c> on so a deleted row is zeroed in its page rather than left in free space
/// (the rest of the story: <see cref="DeletedDataScrub"/>).
/// </summary>
internal sealed class SqliteDurabilityInterceptor : DbConnectionInterceptor
{
    public static readonly SqliteDurabilityInterceptor Instance = new();

    /// <summary>Also run by <see cref="CellWriter"/> on the connection it opens itself.</summary>
    internal const string Pragmas = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
