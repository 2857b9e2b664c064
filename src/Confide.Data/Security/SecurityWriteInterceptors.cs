using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Confide.Data.Security;

/// <summary>
/// Marks a transaction that wrote to an access table (<see cref="SecurityWrites"/>), or moves the
/// epoch at once for a write outside a transaction (it committed as it ran). The writer's own
/// transactions are settled by <see cref="CellWriter"/> at their commit.
/// </summary>
internal sealed class SecurityCommandInterceptor(SecurityEpoch epoch) : DbCommandInterceptor
{
    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Notice(command);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Notice(command);
        return ValueTask.FromResult(result);
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Notice(command);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Notice(command);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Notice(command);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Notice(command);
        return ValueTask.FromResult(result);
    }

    private void Notice(DbCommand command)
    {
        if (!SecurityWrites.MayChangeAccess(command.CommandText))
        {
            return;
        }

        if (command.Transaction is { } transaction)
        {
            SecurityWrites.MarkDirty(transaction);
        }
        else
        {
            epoch.Move(announced: false);
        }
    }
}

/// <summary>
/// Settles transactions EF Core began itself (a tracked save): on PostgreSQL the epoch's
/// notification goes out inside the transaction, so other processes hear of the change with its
/// commit; after the commit this process moves its own epoch.
/// </summary>
internal sealed class SecurityTransactionInterceptor(SecurityEpoch epoch) : DbTransactionInterceptor
{
    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (SecurityWrites.IsDirty(transaction) && transaction.Connection is NpgsqlConnection connection)
        {
            using var notify = new NpgsqlCommand(SecurityWrites.NotifySql, connection, (NpgsqlTransaction)transaction);
            notify.ExecuteNonQuery();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (SecurityWrites.IsDirty(transaction) && transaction.Connection is NpgsqlConnection connection)
        {
            await using var notify = new NpgsqlCommand(SecurityWrites.NotifySql, connection, (NpgsqlTransaction)transaction);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        return result;
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Settle(transaction);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Settle(transaction);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Failed(transaction, eventData);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Failed(transaction, eventData);
        return Task.CompletedTask;
    }

    // The notice went out inside the transaction on PostgreSQL (TransactionCommitting); SQLite has no other process to tell.
    private void Settle(DbTransaction transaction)
    {
        if (SecurityWrites.TakeDirty(transaction))
        {
            epoch.Move(announced: true);
        }
    }

    // A commit that failed may still have committed (the connection broke on the way back): assume it did.
    private void Failed(DbTransaction transaction, TransactionErrorEventData eventData)
    {
        if (eventData.Action == "Commit" && SecurityWrites.TakeDirty(transaction))
        {
            epoch.Move(announced: false);
        }
    }
}
