using Confide.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Confide.Messaging.Contacts;

/// <summary>
/// Finishes erasures that a crash (or a failed write) interrupted: on start-up and then every
/// <see cref="Interval"/>, every pending-erasure record of every cell has its contact's key
/// destroyed and its rows deleted, with the one activity-log entry. Safe beside a retried
/// <c>DELETE</c> or another process sweeping: only the transaction that deletes the rows logs.
/// </summary>
internal sealed partial class ContactErasureSweep(CellRegistry cells, ContactErasure erasure, TimeProvider time, ILogger<ContactErasureSweep> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    /// <summary>Pending records this recent belong to a request most likely still running; they are left to it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // At start-up every record is left over from before: no request of this process is running yet.
            await RunOnceAsync(TimeSpan.Zero, stoppingToken);
            using var timer = new PeriodicTimer(Interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync(Grace, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Finishes the pending erasures older than <paramref name="minimumAge"/>; returns how many this call completed.</summary>
    public async Task<int> RunOnceAsync(TimeSpan minimumAge, CancellationToken cancellationToken)
    {
        var completed = 0;
        foreach (var cell in cells.All)
        {
            try
            {
                completed += await SweepAsync(cell, time.GetUtcNow() - minimumAge, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The records stay; the next round tries again.
                LogSweepFailed(logger, ex, cell.Region.Code);
            }
        }

        return completed;
    }

    private async Task<int> SweepAsync(CellDatabase cell, DateTimeOffset requestedBefore, CancellationToken cancellationToken)
    {
        var completed = 0;
        string? after = null;
        while (true)
        {
            List<(string WorkspaceId, string ContactId)> pending;
            await using (var db = cell.CreateReadContext())
            {
                var query = db.PendingContactErasures.Where(p => p.RequestedAt <= requestedBefore);
                if (after is not null)
                {
                    query = query.Where(p => string.Compare(p.ContactId, after) > 0);
                }

                pending = [.. (await query.OrderBy(p => p.ContactId).Take(Batch).Select(p => new { p.WorkspaceId, p.ContactId }).ToListAsync(cancellationToken))
                    .Select(p => (p.WorkspaceId, p.ContactId))];
            }

            foreach (var (workspaceId, contactId) in pending)
            {
                try
                {
                    if (await erasure.ShredAndPurgeAsync(cell, workspaceId, contactId, cancellationToken))
                    {
                        completed++;
                        LogErasureCompleted(logger, cell.Region.Code, workspaceId, contactId);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // This record stays for the next round; the ones after it are not held back.
                    LogErasureFailed(logger, ex, cell.Region.Code, workspaceId, contactId);
                }
            }

            if (pending.Count < Batch)
            {
                return completed;
            }

            after = pending[^1].ContactId;
        }
    }

    [LoggerMessage(EventId = 4500, EventName = "InterruptedErasureCompleted", Level = LogLevel.Warning,
        Message = "An interrupted erasure was completed: contact {ContactId} of workspace {WorkspaceId} in region {Region}.")]
    private static partial void LogErasureCompleted(ILogger logger, string region, string workspaceId, string contactId);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Error, Message = "Completing the interrupted erasure of contact {ContactId} of workspace {WorkspaceId} in region {Region} failed; retrying next round.")]
    private static partial void LogErasureFailed(ILogger logger, Exception exception, string region, string workspaceId, string contactId);

    [LoggerMessage(EventId = 4501, Level = LogLevel.Error, Message = "Completing interrupted erasures in region {Region} failed; retrying next round.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, string region);
}
