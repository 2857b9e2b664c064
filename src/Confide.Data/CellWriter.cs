using System.Data.Common;
using System.Threading.Channels;
using Confide.Data.Idempotency;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data;

/// <summary>
/// The single write path of a cell. Each unit of work runs on a fresh context inside its own
/// savepoint; units that arrive while a commit is in flight are gathered into the next
/// transaction ("group commit"), so one fsync acknowledges many writes. A unit's task
/// completes only after the transaction holding it has committed durably, and a unit that
/// throws is rolled back to its savepoint without touching the others in the batch.
/// Later modules (activity log, encryption) hook in here because every change passes through.
/// </summary>
public sealed class CellWriter : IAsyncDisposable
{
    private const int MaxBatchSize = 256;

    /// <summary>
    /// On PostgreSQL, several processes may write to one cell (a server and a CLI command, or
    /// several servers). A unit reads a workspace's activity-log head and appends the next entry
    /// (<c>Confide.Audit.ActivityLog</c>); two processes doing so at once would pick the same
    /// sequence number and one of them fail. Every batch therefore takes this transaction-scoped
    /// advisory lock first (the id spells "ConfideW"), so the cell's write transactions commit one
    /// at a time, as SQLite's do; taken first, it cannot deadlock with the locks units take later.
    /// A process that holds it too long (a stopped command) makes the others' batches give up
    /// after 15 s; such a batch ran nothing and is tried again within the write-retry budget
    /// (<c>Confide:PostgresWriteRetrySeconds</c>), then answered 503 (<c>lock_not_available</c>),
    /// instead of queueing behind it without bound.
    private const string TakeBatchLock = "SET LOCAL lock_timeout = '15s'; SELECT pg_advisory_xact_lock(4859223909089961303); RESET lock_timeout";

    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(2);

    private readonly CellDatabase _cell;
    private readonly TimeProvider _time;

    private readonly Channel<WriteUnit> _queue = Channel.CreateBounded<WriteUnit>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lazy<Task> _loop;

    internal CellWriter(CellDatabase cell, TimeProvider time)
    {
        _cell = cell;
        _time = time;
        _loop = new Lazy<Task>(StartLoop, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// Starts the loop without the first caller's execution context: request-scoped ambient state
    /// (an <see cref="IdempotencyScope"/>) must not live on in the writer for good.
    /// </summary>
    private Task StartLoop()
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return Task.Run(RunAsync);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(RunAsync);
        }
    }

    /// <summary>Runs <paramref name="work"/> in the cell's next transaction and returns after it is durable.</summary>
    public async Task<T> WriteAsync<T>(Func<ConfideDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        _ = _loop.Value;
        // The request's Idempotency-Key, if it has one and no unit of it has claimed the key yet:
        // this unit inserts the claim, so the key and the write commit (or roll back) together.
        var claim = IdempotencyScope.TakeForUnit();
        var unit = new WriteUnit<T>(work, claim);
        try
        {
            await _queue.Writer.WriteAsync(unit, cancellationToken);
            var result = await unit.Completion;
            claim?.Settle(committed: true);
            return result;
        }
        catch
        {
            claim?.Settle(committed: false);
            throw;
        }
    }

    public Task WriteAsync(Func<ConfideDbContext, CancellationToken, Task> work, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>(async (db, ct) => { await work(db, ct); return true; }, cancellationToken);

    private async Task RunAsync()
    {
        var batch = new List<WriteUnit>(MaxBatchSize);
        DbConnection? connection = null;
        Func<ConfideDbContext>? contexts = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stopping.Token))
            {
                while (batch.Count < MaxBatchSize && _queue.Reader.TryRead(out var unit))
                {
                    batch.Add(unit);
                }

                var pause = FirstRetryPause;
                while (true)
                {
                    try
                    {
                        if (connection is null)
                        {
                            connection = await OpenConnectionAsync();
                            contexts = CellContextFactory.CreatePool(_cell.OptionsFor(connection));
                        }

                        if (await ExecuteBatchAsync(connection, contexts!, batch))
                        {
                            _cell.Readiness.Record(ready: true, reason: null);
                        }

                        _cell.Outage.Reachable();
                        break;
                    }
                    catch (Exception ex)
                    {
                        // The transaction failed as a whole (commit or connection error): nothing
                        // in it is acknowledged. Start over on a fresh connection.
                        if (DatabaseFailure.IsUnavailable(ex))
                        {
                            _cell.Readiness.Record(ready: false, DatabaseFailure.ReasonOf(ex));
                        }

                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                            connection = null;
                        }

                        // A PostgreSQL batch that could not reach the server waits out a short outage
                        // (a failover) within the cell's budget; a longer one fails each batch fast.
                        if (!MayRetry(ex) || !_cell.Outage.MayWait(pause))
                        {
                            foreach (var unit in batch)
                            {
                                unit.Fail(ex is CommitOutcomeUnknownException or BatchLockTimeoutException ? ex.InnerException! : ex);
                            }

                            break;
                        }

                        // Nothing of this batch committed: try it again once a primary answers.
                        try
                        {
                            await Task.Delay(pause, _time, _stopping.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            foreach (var unit in batch)
                            {
                                unit.Fail(ex is BatchLockTimeoutException ? ex.InnerException! : ex);
                            }

                            throw;
                        }

                        pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRetryPause.Ticks));
                    }
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task<DbConnection> OpenConnectionAsync()
    {
        var connection = _cell.CreateConnection();
        await connection.OpenAsync();
        if (connection is SqliteConnection sqlite)
        {
            await using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = SqliteDurabilityInterceptor.Pragmas;
                await pragma.ExecuteNonQueryAsync();
            }

            // The writer's connection lives as long as the writer: its statements are compiled once.
            SqliteStatementCache.Attach(sqlite);
        }

        return connection;
    }

    /// <summary>
    /// Whether a failed batch may run again: only on PostgreSQL (a SQLite failure is a full disk
    /// or a lock, answered at once), only when the server could not be reached (not a lost lock
    /// race, which the units' own 503 answers), and never once the commit was sent: its outcome
    /// is unknown, and running the batch again could write it twice.
    /// </summary>
    /// (A batch that timed out waiting for the batch lock ran nothing either: it may run again,
    /// within the same budget, rather than answer 503 because another process's batch was slow.)
    private bool MayRetry(Exception exception) =>
        _cell.Provider == DatabaseProvider.Postgres
        && exception is not CommitOutcomeUnknownException
        && (exception is BatchLockTimeoutException || (DatabaseFailure.IsUnavailable(exception) && !DatabaseFailure.IsContention(exception)));

    /// <summary>Runs and commits one batch; true when at least one unit's write was committed.</summary>
    private static async Task<bool> ExecuteBatchAsync(DbConnection connection, Func<ConfideDbContext> contexts, List<WriteUnit> batch)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        if (connection is Npgsql.NpgsqlConnection)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = TakeBatchLock;
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.LockNotAvailable)
            {
                throw new BatchLockTimeoutException(ex);
            }
        }

        var done = new List<WriteUnit>(batch.Count);
        foreach (var unit in batch)
        {
            if (unit.IsFinished)
            {
                // Failed on its own in an earlier attempt of this batch: its answer is given.
                continue;
            }

            await transaction.SaveAsync("unit");
            try
            {
                await unit.RunAsync(contexts, transaction);
                await transaction.ReleaseAsync("unit");
                done.Add(unit);
            }
            catch (Exception ex) when (DatabaseFailure.IsUnavailable(ex) && !(connection is Npgsql.NpgsqlConnection && DatabaseFailure.IsContention(ex)))
            {
                // The disk is full, the file is locked or the connection is gone: SQLite may
                // already have rolled the whole transaction back, so the savepoint is no
                // more. Fail the batch with this cause rather than with the rollback's error.
                // (A PostgreSQL unit that lost a lock race goes on below: rolling back to its
                // savepoint is reliable there, so only that unit answers 503, not the batch.)
                throw;
            }
            catch (Exception ex)
            {
                await transaction.RollbackAsync("unit");
                unit.Fail(ex);
            }
        }

        try
        {
            await transaction.CommitAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new CommitOutcomeUnknownException(ex);
        }

        foreach (var unit in done)
        {
            unit.Succeed();
        }

        return done.Count > 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }

        if (_loop.IsValueCreated)
        {
            await _loop.Value.WaitAsync(TimeSpan.FromSeconds(30), _time);
        }

        await _stopping.CancelAsync();
        _stopping.Dispose();
    }

    /// <summary>The batch could not take the cell's batch lock in time; none of its units ran.</summary>
    private sealed class BatchLockTimeoutException(Exception inner) : Exception("The batch lock was not granted in time.", inner);

    /// <summary>The commit was sent and failed: it may or may not have been applied.</summary>
    private sealed class CommitOutcomeUnknownException(Exception inner) : Exception("The commit's outcome is unknown.", inner);

    private abstract class WriteUnit
    {
        public abstract bool IsFinished { get; }

        public abstract Task RunAsync(Func<ConfideDbContext> contexts, DbTransaction transaction);

        public abstract void Succeed();

        public abstract void Fail(Exception ex);
    }

    private sealed class WriteUnit<T>(Func<ConfideDbContext, CancellationToken, Task<T>> work, IdempotencyScope? claim) : WriteUnit
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Completion => _completion.Task;

        public override bool IsFinished => _completion.Task.IsCompleted;

        public override async Task RunAsync(Func<ConfideDbContext> contexts, DbTransaction transaction)
        {
            // Each unit gets its own context (rented from the writer connection's pool and reset
            // on return) so change trackers never leak between requests.
            await using var db = contexts();
            db.Database.AutoSavepointsEnabled = false;
            await db.Database.UseTransactionAsync(transaction);
            if (claim is not null)
            {
                await claim.InsertAsync(db, CancellationToken.None);
            }

            _result = await work(db, CancellationToken.None);
            await SealedKeyFence.CheckAsync(db, CancellationToken.None);
            await db.SaveChangesAsync();
        }

        public override void Succeed() => _completion.TrySetResult(_result!);

        public override void Fail(Exception ex) => _completion.TrySetException(ex);
    }
}
