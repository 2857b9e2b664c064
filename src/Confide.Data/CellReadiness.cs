using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data;

/// <summary>Whether a cell's database took a durable write when last asked, and if not, a short reason (an error code).</summary>
public sealed record WriteReadiness(bool Ready, string? Reason, DateTimeOffset At);

/// <summary>
/// Can this cell's database take a durable write right now? Every commit of the writer
/// answers it for free; when no write has happened for <see cref="Fresh"/>, a probe does a
/// real durable write through the writer (so it waits behind the same locks and disk as the
/// data), bounded by <see cref="ProbeTimeout"/>. Callers in that window share one answer, so a
/// health check cannot be used to hammer the database.
/// </summary>
public sealed class CellReadiness
{
    /// <summary>How long an answer is reused.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(2);

    /// <summary>A probe that has not committed by then counts as "not ready" (the writer may be stuck on a lock or a dead connection).</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly CellDatabase _cell;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private WriteReadiness? _last;
    private Task<WriteReadiness>? _probe;

    internal CellReadiness(CellDatabase cell, TimeProvider time)
    {
        _cell = cell;
        _time = time;
    }

    /// <summary>The last answer, if any, without asking the database.</summary>
    public WriteReadiness? Last => _last;

    public Task<WriteReadiness> CheckAsync(CancellationToken cancellationToken = default)
    {
        if (_last is { } last && _time.GetUtcNow() - last.At < Fresh)
        {
            return Task.FromResult(last);
        }

        Task<WriteReadiness> probe;
        lock (_gate)
        {
            probe = _probe is { IsCompleted: false } running ? running : _probe = ProbeAsync();
        }

        return probe.WaitAsync(cancellationToken);
    }

    /// <summary>Called by the writer after each transaction: committed, or failed because the database was unavailable.</summary>
    internal void Record(bool ready, string? reason) => _last = new WriteReadiness(ready, reason, _time.GetUtcNow());

    /// <summary>
    /// A read (or any call outside the writer) found the database unavailable: a database that
    /// cannot answer a query cannot take a write either, so say so without waiting for a probe.
    /// A lost race for a lock says nothing of the kind (readiness would flap under contention).
    /// </summary>
    public void ReportFailure(Exception exception)
    {
        if (DatabaseFailure.IsUnavailable(exception) && !DatabaseFailure.IsContention(exception))
        {
            Record(false, DatabaseFailure.ReasonOf(exception));
        }
    }

    private async Task<WriteReadiness> ProbeAsync()
    {
        try
        {
            await _cell.Writer.WriteAsync(WriteProbeAsync).WaitAsync(ProbeTimeout, _time);
            Record(true, null);
        }
        catch (TimeoutException)
        {
            Record(false, "timeout");
        }
        catch (Exception ex)
        {
            Record(false, DatabaseFailure.ReasonOf(ex));
        }

        return _last!;
    }

    /// <summary>
    /// The smallest write that still has to reach the disk: SQLite rewrites its header's
    /// <c>user_version</c> (which Confide does not otherwise use); PostgreSQL assigns a
    /// transaction id, so the commit writes and flushes a WAL record (and waits for a
    /// synchronous standby where one is configured).
    /// </summary>
    private async Task WriteProbeAsync(ConfideDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.GetDbConnection() is SqliteConnection)
        {
            var heartbeat = (int)(_time.GetUtcNow().ToUnixTimeSeconds() & int.MaxValue);
#pragma warning disable EF1002 // An integer formatted by this code, not input.
            await db.Database.ExecuteSqlRawAsync($"PRAGMA user_version = {heartbeat}", cancellationToken);
#pragma warning restore EF1002
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_current_xact_id()", cancellationToken);
        }
    }
}
