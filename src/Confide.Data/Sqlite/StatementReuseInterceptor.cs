using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Confide.Data;

/// <summary>
/// Gives EF Core a <see cref="ReusedSqliteCommand"/> instead of a new command on connections that
/// keep their statements (<see cref="SqliteStatementCache"/>); every other connection is untouched.
/// </summary>
internal sealed class StatementReuseInterceptor : DbCommandInterceptor
{
    public static readonly StatementReuseInterceptor Instance = new();

    private StatementReuseInterceptor()
    {
    }

    public override InterceptionResult<DbCommand> CommandCreating(CommandCorrelatedEventData eventData, InterceptionResult<DbCommand> result) =>
        eventData.Connection is SqliteConnection connection && SqliteStatementCache.For(connection) is { } cache
            ? InterceptionResult<DbCommand>.SuppressWithResult(new ReusedSqliteCommand(cache, connection))
            : result;
}
